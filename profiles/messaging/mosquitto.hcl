# Eclipse Mosquitto: an MQTT broker for sensors, home automation (Home
# Assistant, Zigbee2MQTT, Tasmota) and small IoT fleets.
#
# One listener on every interface with password authentication and one
# user with access to all topics; its password is generated on the host
# (the module reads it through systemd credentials and hashes it). The port
# is closed unless `public` is set: plain MQTT sends the password in clear
# text, so open it to the internet only for devices that cannot do better.
profile "mosquitto" {
  summary  = "Mosquitto MQTT broker"
  category = "messaging"
  module   = "services.mosquitto"
  source   = "nixos/modules/services/networking/mosquitto.nix"
  upstream = "https://mosquitto.org"
  license  = "EPL-2.0"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 1883
    description = "MQTT port."
  }
  param "user" {
    type        = string
    default     = "mqtt"
    description = "Name of the MQTT user that may read and write every topic."
    validation {
      condition     = can(regex("^[A-Za-z0-9_.-]+$", param.user))
      error_message = "user is letters, digits, dot, dash and underscore."
    }
  }
  param "public" {
    type        = bool
    default     = false
    description = "Open the MQTT port in the firewall."
  }

  # Handed over through LoadCredential: stays root-owned.
  secret "password" {
    generate    = "password"
    before      = ["mosquitto.service"]
    description = "Password of the MQTT user"
  }

  # Retained messages and persistent sessions (mosquitto.db).
  state {
    paths = ["/var/lib/mosquitto"]
  }

  expose "mqtt" {
    protocol = "tcp"
    port     = param.port
    public   = param.public
  }

  health {
    unit = "mosquitto.service"
  }

  example = {}

  nixos = {
    "services.mosquitto" = {
      enable = true
      listeners = [
        {
          port = param.port
          users = {
            (param.user) = {
              passwordFile = secret.password
              acl          = ["readwrite #"]
            }
          }
        }
      ]
    }
  }
}
