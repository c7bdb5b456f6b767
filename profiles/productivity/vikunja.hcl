# Vikunja: to-do lists, kanban boards, Gantt charts and shared projects,
# on PostgreSQL.
#
# - The module runs Vikunja with DynamicUser: the unit's user is "vikunja",
#   the same name as the database role, so it connects over /run/postgresql
#   with peer authentication and no password. The module already orders
#   the unit after PostgreSQL; the profile makes it require the database.
# - Anyone can register an account while `registration` is true (the
#   default, so that a first account can be made). Set it to false once
#   the team has its accounts.
# - Vikunja signs sessions with a key it makes up at each start when none
#   is configured: users sign in again after a restart.
profile "vikunja" {
  summary  = "To-do lists, kanban boards and shared projects"
  category = "productivity"
  module   = "services.vikunja"
  source   = "nixos/modules/services/web-apps/vikunja.nix"
  upstream = "https://vikunja.io"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. tasks.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like tasks.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3456
    description = "Local port Vikunja listens on, behind the reverse proxy."
  }
  param "registration" {
    type        = bool
    default     = true
    description = "Whether visitors may register accounts. Turn it off once the first accounts exist."
  }

  # Attachments and avatars; DynamicUser keeps them under /var/lib/private.
  state {
    paths     = ["/var/lib/private/vikunja"]
    databases = ["postgresql:vikunja"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "vikunja.service"
    http = "/api/v1/info"
  }

  example = { domain = "tasks.example.org" }

  nixos = {
    "services.vikunja" = {
      enable           = true
      address          = "127.0.0.1"
      port             = param.port
      frontendScheme   = "https"
      frontendHostname = param.domain
      database = {
        type     = "postgres"
        host     = "/run/postgresql"
        user     = "vikunja"
        database = "vikunja"
      }
      settings = {
        service = { enableregistration = param.registration }
      }
    }
    "systemd.services.vikunja" = {
      requires = ["postgresql.target"]
    }
  }
}
