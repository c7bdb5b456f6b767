# Gancio: a shared agenda for local communities: anyone can propose events,
# admins approve them, and the calendar federates over ActivityPub. On
# PostgreSQL, served by the module's own nginx virtual host on a Unix socket.
#
# With db.dialect = "postgres" the module connects over the socket with peer
# auth as the system user gancio (ensure-style, the same database
# state.databases lists). On first start Gancio creates an admin account
# and writes its password to the journal: journalctl -u gancio
profile "gancio" {
  summary  = "Shared event agenda for local communities"
  category = "social"
  module   = "services.gancio"
  source   = "nixos/modules/services/web-apps/gancio.nix"
  upstream = "https://gancio.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. agenda.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like agenda.example.org."
    }
  }

  # Uploaded images, plugins, locale overrides.
  state {
    paths     = ["/var/lib/gancio"]
    databases = ["postgresql:gancio"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "gancio.service"
    http = "/"
  }

  example = { domain = "agenda.example.org" }

  nixos = {
    "services.gancio" = {
      enable = true
      settings = {
        hostname = param.domain
        db       = { dialect = "postgres" }
      }
    }
  }
}
