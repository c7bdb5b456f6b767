# Mealie: recipes (imported from any web page), meal plans and shopping
# lists for a household, on PostgreSQL.
#
# - database.createLocally creates the database and role "mealie"
#   (idempotent, like state.databases) and points Mealie at
#   /run/postgresql; the service runs as the dynamic user mealie, so peer
#   authentication needs no password.
# - Mealie creates the account changeme@example.com with the password
#   MyPassword on first start. Sign in and change both right after the
#   first deploy. Sign-ups stay off: invite people from the admin area.
profile "mealie" {
  summary  = "Recipe manager, meal planner and shopping lists"
  category = "productivity"
  module   = "services.mealie"
  source   = "nixos/modules/services/web-apps/mealie.nix"
  upstream = "https://mealie.io"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. recipes.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like recipes.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 9000
    description = "Local port Mealie listens on, behind the reverse proxy."
  }

  # Recipe images and backups; DynamicUser keeps them under /var/lib/private.
  state {
    paths     = ["/var/lib/private/mealie"]
    databases = ["postgresql:mealie"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "mealie.service"
    http = "/api/app/about"
  }

  example = { domain = "recipes.example.org" }

  nixos = {
    "services.mealie" = {
      enable        = true
      listenAddress = "127.0.0.1" # the module's default is 0.0.0.0
      port          = param.port
      database      = { createLocally = true }
      settings = {
        BASE_URL     = "https://${param.domain}"
        ALLOW_SIGNUP = "false"
      }
    }
  }
}
