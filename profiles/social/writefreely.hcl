# WriteFreely: minimalist, distraction-free blogging, federated over
# ActivityPub so fediverse users can follow blogs. SQLite, behind nginx.
#
# The admin account is created on first start with the generated password
# (read by writefreely-sqlite-init as the writefreely user):
#   cat /var/lib/freecloud/secrets/<service>/admin_password
profile "writefreely" {
  summary  = "Minimalist federated blogging"
  category = "social"
  module   = "services.writefreely"
  source   = "nixos/modules/services/web-apps/writefreely.nix"
  upstream = "https://writefreely.org"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. blog.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like blog.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 18080
    description = "Local port WriteFreely listens on, behind nginx."
  }
  param "site_name" {
    type        = string
    default     = "WriteFreely"
    description = "Name of the site."
  }
  param "admin_name" {
    type        = string
    default     = "admin"
    description = "User name of the admin account created on first start."
  }
  param "single_user" {
    type        = bool
    default     = false
    description = "true: one blog for the admin only; false: a community of writers (registration closed, users invited by the admin)."
  }

  secret "admin_password" {
    generate = "password"
    owner    = "writefreely"
    before   = ["writefreely-sqlite-init.service"]
  }

  # SQLite database, signing keys and the generated config.ini.
  state {
    paths = ["/var/lib/writefreely"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "writefreely.service"
    http = "/"
  }

  example = { domain = "blog.example.org" }

  nixos = {
    "services.writefreely" = {
      enable   = true
      host     = param.domain
      database = { type = "sqlite3" }
      admin = {
        name                = param.admin_name
        initialPasswordFile = secret.admin_password
      }
      settings = {
        # Without the module's acme/nginx options it would say http://.
        app = {
          host              = "https://${param.domain}"
          site_name         = param.site_name
          single_user       = param.single_user
          open_registration = false
          federation        = true
        }
        server = { bind = "127.0.0.1", port = param.port }
      }
    }
  }
}
