# Wiki.js 2: a wiki with Markdown, WYSIWYG and diagram editors, on
# PostgreSQL.
#
# - The module runs Wiki.js with DynamicUser: the unit's user is "wiki-js",
#   the same name as the database role, so it connects over /run/postgresql
#   with peer authentication and no password.
# - The module does not order the unit after PostgreSQL; the profile does,
#   so the first boot does not race the creation of the database.
# - The first visitor of https://<domain> completes the setup wizard and
#   creates the administrator: open the site right after the first deploy.
# - Sign-in through OIDC, LDAP or SAML is set up in the admin area
#   (Administration > Authentication), not in this profile.
profile "wiki-js" {
  summary  = "Wiki with Markdown and visual editors, search and fine-grained permissions"
  category = "knowledge"
  module   = "services.wiki-js"
  source   = "nixos/modules/services/web-apps/wiki-js.nix"
  upstream = "https://js.wiki"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. wiki.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like wiki.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port Wiki.js listens on, behind the reverse proxy."
  }

  # DynamicUser keeps the state under /var/lib/private; /var/lib/wiki-js is
  # only a symlink to it. Pages and uploads live in the database.
  state {
    paths     = ["/var/lib/private/wiki-js"]
    databases = ["postgresql:wiki-js"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "wiki-js.service"
    http = "/healthz"
  }

  example = { domain = "wiki.example.org" }

  nixos = {
    "services.wiki-js" = {
      enable = true
      settings = {
        bindIP = "127.0.0.1"
        port   = param.port
        db = {
          type = "postgres"
          host = "/run/postgresql"
          db   = "wiki-js"
          user = "wiki-js"
        }
      }
    }
    "systemd.services.wiki-js" = {
      after    = ["postgresql.target"]
      requires = ["postgresql.target"]
    }
  }
}
