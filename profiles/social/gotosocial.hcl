# GoToSocial: a light ActivityPub server for one person or a small group,
# compatible with Mastodon apps. It has no web client of its own for
# posting: use a Mastodon-compatible app (Tusky, Phanpy, Semaphore...).
#
# setupPostgresqlDB connects over the socket with peer auth as the system
# user gotosocial (ensure-style, the same database state.databases lists).
# host can never change. Create accounts on the machine:
#   gotosocial-admin account create --username alice --email alice@example.org --password '...'
#   gotosocial-admin account promote --username alice
profile "gotosocial" {
  summary  = "Lightweight fediverse server for small instances"
  category = "social"
  module   = "services.gotosocial"
  source   = "nixos/modules/services/web-apps/gotosocial.nix"
  upstream = "https://gotosocial.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, also the domain in user handles, e.g. social.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like social.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port GoToSocial listens on, behind nginx."
  }
  param "max_upload" {
    type        = string
    default     = "40M"
    description = "Largest request through nginx (media uploads), like 40M."
  }

  # Uploaded and cached media.
  state {
    paths     = ["/var/lib/gotosocial"]
    databases = ["postgresql:gotosocial"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "gotosocial.service"
    http = "/readyz"
  }

  example = { domain = "social.example.org" }

  nixos = {
    "services.gotosocial" = {
      enable            = true
      setupPostgresqlDB = true
      settings = {
        host                    = param.domain
        protocol                = "https"
        bind-address            = "127.0.0.1"
        port                    = param.port
        trusted-proxies         = ["127.0.0.1/32", "::1/128"]
        storage-local-base-path = "/var/lib/gotosocial/storage"
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
