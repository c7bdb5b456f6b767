# Kanboard: a simple kanban board for projects, with swimlanes, time
# tracking and plugins.
#
# - The module defines the nginx virtual host (PHP-FPM) for `domain`; the
#   profile only adds HTTPS to it. Data is an SQLite database in
#   /var/lib/kanboard (Kanboard's default).
# - Kanboard creates the account admin with the password admin on first
#   use. Sign in and change it right after the first deploy: until then
#   anyone who finds the site can.
profile "kanboard" {
  summary  = "Kanban project management"
  category = "productivity"
  module   = "services.kanboard"
  source   = "nixos/modules/services/web-apps/kanboard.nix"
  upstream = "https://kanboard.org"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. board.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like board.example.org."
    }
  }

  state {
    paths = ["/var/lib/kanboard"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-kanboard.service"
    http = "/"
  }

  example = { domain = "board.example.org" }

  nixos = {
    "services.kanboard" = {
      enable = true
      domain = param.domain
      nginx  = {} # the module's virtual host; freecloud adds HTTPS
    }
  }
}
