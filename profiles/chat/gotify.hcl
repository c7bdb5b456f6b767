# Gotify: a small server for sending and receiving push messages, with an
# Android app and a web UI. Applications post with a token:
#   curl "https://<domain>/message?token=<apptoken>" -F title=Backup -F message=done
#
# Gotify creates the user "admin" on first start with the password from the
# environment file: the operator sets it before the first deploy, as one
# line GOTIFY_DEFAULTUSER_PASS=<password>
#   freecloud secrets set <service> env
# (an environment file, so it cannot be generated here). Without it the
# password would be "admin".
profile "gotify" {
  summary  = "Self-hosted push notification server with an Android app"
  category = "chat"
  module   = "services.gotify"
  source   = "nixos/modules/services/web-apps/gotify-server.nix"
  upstream = "https://gotify.net"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. gotify.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like gotify.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8070
    description = "Local port Gotify listens on, behind nginx."
  }

  # systemd reads EnvironmentFile= as root, so the file stays root-owned.
  secret "env" {
    provided    = true
    before      = ["gotify-server.service"]
    description = "Environment file with the line GOTIFY_DEFAULTUSER_PASS=<initial admin password>"
  }

  # SQLite database, uploaded images and plugins. DynamicUser: systemd
  # keeps the state directory in /var/lib/private.
  state {
    paths = ["/var/lib/private/gotify-server"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "gotify-server.service"
    http = "/health"
  }

  example = { domain = "gotify.example.org" }

  nixos = {
    "services.gotify" = {
      enable = true
      environment = {
        GOTIFY_SERVER_LISTENADDR = "127.0.0.1"
        GOTIFY_SERVER_PORT       = param.port
        GOTIFY_DATABASE_DIALECT  = "sqlite3"
      }
      environmentFiles = [secret.env]
    }
  }
}
