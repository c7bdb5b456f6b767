# Miniflux: a minimalist, fast feed reader, on PostgreSQL.
#
# - createDatabaseLocally (the module's default) creates the database and
#   role "miniflux" (idempotent, like state.databases); the service runs as
#   the dynamic user miniflux and connects over /run/postgresql with peer
#   authentication.
# - The first administrator is made from an environment file the operator
#   provides (`freecloud secrets set <service> admin_credentials`):
#     ADMIN_USERNAME=alice
#     ADMIN_PASSWORD=a-long-password
#   systemd reads it as root; Miniflux creates the account if it is missing.
# - Miniflux can sign in through OIDC (OAUTH2_* settings); not wired here.
profile "miniflux" {
  summary  = "Minimalist feed reader"
  category = "productivity"
  module   = "services.miniflux"
  source   = "nixos/modules/services/web-apps/miniflux.nix"
  upstream = "https://miniflux.app"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. feeds.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like feeds.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port Miniflux listens on, behind the reverse proxy."
  }

  secret "admin_credentials" {
    provided    = true
    before      = ["miniflux.service"]
    description = "Environment file with ADMIN_USERNAME=... and ADMIN_PASSWORD=... (6 characters or more) for the first administrator"
  }

  # Everything is in the database.
  state {
    databases = ["postgresql:miniflux"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "miniflux.service"
    http = "/healthcheck"
  }

  example = { domain = "feeds.example.org" }

  nixos = {
    "services.miniflux" = {
      enable                = true
      createDatabaseLocally = true
      adminCredentialsFile  = secret.admin_credentials
      config = {
        LISTEN_ADDR = "127.0.0.1:${param.port}"
        BASE_URL    = "https://${param.domain}"
      }
    }
  }
}
