# linkding: a bookmark manager with tags, archiving and browser
# extensions, on PostgreSQL.
#
# - database.createLocally creates the database and role "linkding"
#   (idempotent, like state.databases); linkding runs as the system user
#   linkding and connects over /run/postgresql with peer authentication.
# - There is no account at first and no self-registration: create the
#   first one on the machine with `linkding-manage createsuperuser`
#   (a wrapper the module installs).
# - CSRF checks need the public origin, set from the domain.
profile "linkding" {
  summary  = "Bookmark manager with tags, archiving and browser extensions"
  category = "productivity"
  module   = "services.linkding"
  source   = "nixos/modules/services/web-apps/linkding.nix"
  upstream = "https://linkding.link"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. links.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like links.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 9090
    description = "Local port linkding listens on, behind the reverse proxy."
  }

  # Secret key, favicons, previews and archived snapshots.
  state {
    paths     = ["/var/lib/linkding"]
    databases = ["postgresql:linkding"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "linkding.service"
    http = "/health"
  }

  example = { domain = "links.example.org" }

  nixos = {
    "services.linkding" = {
      enable   = true
      address  = "127.0.0.1"
      port     = param.port
      database = { type = "postgres", createLocally = true }
      settings = { LD_CSRF_TRUSTED_ORIGINS = "https://${param.domain}" }
    }
  }
}
