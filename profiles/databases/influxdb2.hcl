# InfluxDB 2: a time-series database with a web UI, for metrics, sensor
# data (Home Assistant, Telegraf) and Grafana dashboards.
#
# The module's provisioning runs `influx setup` on the first start: an
# organization, a bucket and the user "admin" with the generated password,
# and an operator API token (also generated). Both are secret files on the
# host; the token is what Telegraf or Grafana use until you create narrower
# ones in the UI.
profile "influxdb2" {
  summary  = "InfluxDB 2 time-series database with web UI"
  category = "databases"
  module   = "services.influxdb2"
  source   = "nixos/modules/services/databases/influxdb2.nix"
  upstream = "https://www.influxdata.com"
  license  = "MIT"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name of the UI and API, e.g. influx.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like influx.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8086
    description = "Local port behind the reverse proxy."
  }
  param "organization" {
    type        = string
    default     = "main"
    description = "Organization created on the first start."
  }
  param "bucket" {
    type        = string
    default     = "default"
    description = "Bucket created on the first start (infinite retention)."
  }

  # The provisioning script reads the user passwords as the influxdb2 user;
  # the initial setup reads both through LoadCredential.
  secret "admin_password" {
    generate    = "password"
    owner       = "influxdb2"
    before      = ["influxdb2.service"]
    description = "Password of the InfluxDB user \"admin\""
  }
  secret "admin_token" {
    generate    = "hex"
    owner       = "influxdb2"
    before      = ["influxdb2.service"]
    description = "Operator API token of the user \"admin\""
  }

  state {
    paths = ["/var/lib/influxdb2"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "influxdb2.service"
    http = "/health"
  }

  example = { domain = "influx.example.org" }

  nixos = {
    "services.influxdb2" = {
      enable = true
      # influxd listens on all interfaces by default.
      settings = { http-bind-address = "127.0.0.1:${param.port}" }
      provision = {
        enable = true
        initialSetup = {
          organization = param.organization
          bucket       = param.bucket
          username     = "admin"
          passwordFile = secret.admin_password
          tokenFile    = secret.admin_token
        }
      }
    }
  }
}
