# HedgeDoc: collaborative Markdown notes and slides, edited together in
# real time, on PostgreSQL.
#
# - The service runs as the system user hedgedoc and connects to the
#   database "hedgedoc" over /run/postgresql with peer authentication. The
#   module does not order it after PostgreSQL; the profile does.
# - Notes need an account: anonymous notes are off. People register with
#   an e-mail address and password while `registration` is true.
# - HedgeDoc makes up a session secret at each start when none is set:
#   users sign in again after a restart.
profile "hedgedoc" {
  summary  = "Real-time collaborative Markdown editor"
  category = "productivity"
  module   = "services.hedgedoc"
  source   = "nixos/modules/services/web-apps/hedgedoc.nix"
  upstream = "https://hedgedoc.org"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. pad.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like pad.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port HedgeDoc listens on, behind the reverse proxy."
  }
  param "registration" {
    type        = bool
    default     = true
    description = "Whether visitors may register with an e-mail address and password."
  }

  # Uploaded images; notes are in the database.
  state {
    paths     = ["/var/lib/hedgedoc"]
    databases = ["postgresql:hedgedoc"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "hedgedoc.service"
    http = "/status"
  }

  example = { domain = "pad.example.org" }

  nixos = {
    "services.hedgedoc" = {
      enable = true
      settings = {
        domain             = param.domain
        protocolUseSSL     = true
        host               = "127.0.0.1"
        port               = param.port
        allowAnonymous     = false
        allowEmailRegister = param.registration
        db = {
          dialect  = "postgres"
          host     = "/run/postgresql"
          database = "hedgedoc"
          username = "hedgedoc"
        }
      }
    }
    "systemd.services.hedgedoc" = {
      after    = ["postgresql.target"]
      requires = ["postgresql.target"]
    }
  }
}
