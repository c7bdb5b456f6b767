# Mobilizon: events and groups on the fediverse (a federated alternative to
# Facebook events and Meetup), on PostgreSQL with PostGIS, served by the
# module's own nginx virtual host.
#
# - The module creates the database role, the PostGIS/pg_trgm/unaccent
#   extensions and the database owner; the database is named "mobilizon"
#   here so it is the same database state.databases creates, owned by the
#   role of the same name (the module's default name is mobilizon_prod).
# - The Phoenix and Guardian secrets are generated on first start in
#   /var/lib/mobilizon/secret-env.sh, inside the state below.
# - Registration is closed; create accounts on the machine:
#     mobilizon_ctl users.new alice@example.org --admin
# - Mail uses Mobilizon's defaults (a local SMTP server); configure
#   "Mobilizon.Web.Email.Mailer" in settings for a relay.
profile "mobilizon" {
  summary  = "Federated events and groups"
  category = "social"
  module   = "services.mobilizon"
  source   = "nixos/modules/services/web-apps/mobilizon.nix"
  upstream = "https://joinmobilizon.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "ldap"

  param "domain" {
    type        = string
    description = "Public host name, e.g. events.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like events.example.org."
    }
  }
  param "name" {
    type        = string
    default     = "Mobilizon"
    description = "Name of the instance (until changed in the admin UI)."
  }
  param "port" {
    type        = number
    default     = 4000
    description = "Local port Mobilizon listens on ([::1]), proxied by the module's nginx."
  }

  state {
    paths     = ["/var/lib/mobilizon"]
    databases = ["postgresql:mobilizon"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "mobilizon.service"
    http = "/"
  }

  example = { domain = "events.example.org" }

  nixos = {
    "services.mobilizon" = {
      enable = true
      nginx  = { enable = true }
      settings = {
        ":mobilizon" = {
          ":instance" = {
            name               = param.name
            hostname           = param.domain
            registrations_open = false
          }
          "Mobilizon.Storage.Repo" = { database = "mobilizon" }
          "Mobilizon.Web.Endpoint" = { http = { port = param.port } }
        }
      }
    }
  }
}
