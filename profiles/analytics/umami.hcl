# Umami: simple, privacy-focused web analytics (no cookies). Sites embed
# https://<domain>/script.js with their website id.
#
# The module's own database setup is ensure-style (ensureDatabases/
# ensureUsers, idempotent) and sets the socket connection string it checks,
# so it stays on; Umami connects as "umami" with peer authentication.
#
# Umami creates the account admin / umami on its first start: log in and
# change that password at once.
profile "umami" {
  summary  = "Simple, cookie-free web analytics"
  category = "analytics"
  module   = "services.umami"
  source   = "nixos/modules/services/web-apps/umami.nix"
  upstream = "https://umami.is"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. umami.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like umami.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3002
    description = "Local port behind the reverse proxy."
  }
  param "tracker_script" {
    type        = list(string)
    default     = []
    description = "Other names for the tracker script than script.js (ad blockers know the default), e.g. [\"stats.js\"]."
  }

  # Signs sessions; read through systemd credentials, so root-owned.
  secret "app_secret" {
    generate = "hex"
    length   = 32
    before   = ["umami.service"]
  }

  state {
    databases = ["postgresql:umami"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "umami.service"
    http = "/api/heartbeat"
  }

  example = { domain = "umami.example.org" }

  nixos = {
    "services.umami" = {
      enable                   = true
      createPostgresqlDatabase = true
      settings = {
        HOSTNAME            = "127.0.0.1"
        PORT                = param.port
        APP_SECRET_FILE     = secret.app_secret
        DISABLE_TELEMETRY   = true
        DISABLE_UPDATES     = true
        TRACKER_SCRIPT_NAME = param.tracker_script
      }
    }
  }
}
