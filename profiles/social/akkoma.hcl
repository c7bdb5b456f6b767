# Akkoma: a fediverse microblogging server (a Pleroma fork) with its own web
# front end and admin UI, on PostgreSQL, served by the module's nginx
# virtual host on a Unix socket.
#
# - initDb creates the database "akkoma", its role and the extensions it
#   needs (citext, pg_trgm, uuid-ossp) as the PostgreSQL superuser; it is
#   idempotent and listed in state.databases for backups.
# - initSecrets generates the signing keys and salts on first start in
#   /var/lib/secrets/akkoma, inside the state below.
# - The domain can never change. Create the first admin on the machine:
#     pleroma_ctl user new alice alice@example.org --admin
profile "akkoma" {
  summary  = "Fediverse microblogging server with its own web front end"
  category = "social"
  module   = "services.akkoma"
  source   = "nixos/modules/services/web-apps/akkoma.nix"
  upstream = "https://akkoma.dev"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "ldap"

  param "domain" {
    type        = string
    description = "Public host name, also the domain in user handles, e.g. social.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like social.example.org."
    }
  }
  param "name" {
    type        = string
    default     = "Akkoma"
    description = "Name of the instance."
  }
  param "description" {
    type        = string
    default     = "A fediverse instance"
    description = "Short description of the instance."
  }
  param "admin_email" {
    type        = string
    description = "Contact address of the instance administrator."
  }
  param "max_upload" {
    type        = string
    default     = "16M"
    description = "Largest request through nginx (media uploads), like 16M."
  }

  state {
    paths     = ["/var/lib/akkoma", "/var/lib/secrets/akkoma"]
    databases = ["postgresql:akkoma"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "akkoma.service"
    http = "/api/v1/instance"
  }

  example = { domain = "social.example.org", admin_email = "admin@example.org" }

  nixos = {
    "services.akkoma" = {
      enable      = true
      initDb      = { enable = true }
      initSecrets = true
      nginx       = { extraConfig = "client_max_body_size ${param.max_upload};" }
      config = {
        ":pleroma" = {
          ":instance" = {
            name               = param.name
            description        = param.description
            email              = param.admin_email
            registrations_open = false
          }
          "Pleroma.Web.Endpoint" = {
            url = { host = param.domain, scheme = "https", port = 443 }
          }
          # Akkoma serves uploads itself under /media on the same host.
          "Pleroma.Upload" = { base_url = "https://${param.domain}/media/" }
        }
      }
    }
  }
}
