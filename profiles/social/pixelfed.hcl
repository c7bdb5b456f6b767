# Pixelfed: photo sharing on the fediverse (a federated Instagram), a
# Laravel app on PHP-FPM with MariaDB and Redis, served by the module's own
# nginx virtual host.
#
# - database.createLocally: database "pixelfed" and user "pixelfed" in the
#   local MariaDB over the socket (unix_socket auth); ensure-style, the same
#   database state.databases lists. Redis runs on a Unix socket.
# - Laravel's APP_KEY must come from an environment file the operator
#   writes once (it cannot be generated as a raw secret):
#     echo "APP_KEY=base64:$(openssl rand -base64 32)" > env
#     freecloud secrets set <service> env < env
#   Never change it afterwards: it encrypts data in the database.
# - Registration is closed; create accounts on the machine:
#     pixelfed-manage user:create
profile "pixelfed" {
  summary  = "Federated photo sharing"
  category = "social"
  module   = "services.pixelfed"
  source   = "nixos/modules/services/web-apps/pixelfed.nix"
  upstream = "https://pixelfed.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. pixelfed.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like pixelfed.example.org."
    }
  }
  param "name" {
    type        = string
    default     = "Pixelfed"
    description = "Name of the instance."
  }
  param "max_upload" {
    type        = string
    default     = "16M"
    description = "Largest upload, like 16M (PHP and nginx)."
  }

  # Sourced into Laravel's .env through LoadCredential, so root-owned.
  secret "env" {
    provided    = true
    before      = ["pixelfed-data-setup.service"]
    description = "Environment file with the line APP_KEY=base64:<32 random bytes, base64>"
  }

  # Uploaded photos, OAuth keys, the generated .env.
  state {
    paths     = ["/var/lib/pixelfed", "/var/lib/redis-pixelfed"]
    databases = ["mysql:pixelfed"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-pixelfed.service"
    http = "/"
  }

  example = { domain = "pixelfed.example.org" }

  nixos = {
    "services.pixelfed" = {
      enable        = true
      domain        = param.domain
      nginx         = {}
      maxUploadSize = param.max_upload
      secretFile    = secret.env
      database      = { type = "mysql", createLocally = true }
      settings = {
        APP_NAME          = param.name
        OPEN_REGISTRATION = false
      }
    }
  }
}
