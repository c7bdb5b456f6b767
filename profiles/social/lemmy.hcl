# Lemmy: link aggregation and discussion forums on the fediverse (a
# federated Reddit), on PostgreSQL, with pict-rs for images and the module's
# own nginx virtual host routing between the UI and the backend.
#
# - database.createLocally: database and role "lemmy" over the socket with
#   peer auth (Lemmy runs as the dynamic user "lemmy"); ensure-style, the
#   same database state.databases lists.
# - The admin account is created on first start from setup.admin_username
#   and the generated password (read through LoadCredential, so root-owned):
#     cat /var/lib/freecloud/secrets/<service>/admin_password
profile "lemmy" {
  summary  = "Federated link aggregator and discussion forums"
  category = "social"
  module   = "services.lemmy"
  source   = "nixos/modules/services/web-apps/lemmy.nix"
  upstream = "https://join-lemmy.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. lemmy.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like lemmy.example.org."
    }
  }
  param "site_name" {
    type        = string
    default     = "Lemmy"
    description = "Name of the instance, set on first start."
  }
  param "admin_username" {
    type        = string
    default     = "admin"
    description = "Name of the admin account created on first start."
  }
  param "port" {
    type        = number
    default     = 8536
    description = "Local port of the Lemmy backend (nginx routes to it)."
  }
  param "ui_port" {
    type        = number
    default     = 1234
    description = "Local port of the Lemmy web UI (nginx routes to it)."
  }

  param "pictrs_port" {
    type        = number
    default     = 8537
    description = "Local port of pict-rs, the image store Lemmy uses (its own default, 8080, is a common clash)."
  }

  secret "admin_password" {
    generate = "password"
    before   = ["lemmy.service"]
  }

  # pict-rs keeps the uploaded images; it is a DynamicUser service, so
  # systemd keeps its state directory in /var/lib/private.
  state {
    paths     = ["/var/lib/private/pict-rs"]
    databases = ["postgresql:lemmy"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "lemmy.service"
    http = "/api/v3/site"
  }

  example = { domain = "lemmy.example.org" }

  nixos = {
    "services.lemmy" = {
      enable            = true
      nginx             = { enable = true }
      database          = { createLocally = true }
      adminPasswordFile = secret.admin_password
      ui                = { port = param.ui_port }
      settings = {
        hostname = param.domain
        port     = param.port
        setup = {
          admin_username = param.admin_username
          site_name      = param.site_name
        }
      }
    }
    "services.pict-rs" = { port = param.pictrs_port }
  }
}
