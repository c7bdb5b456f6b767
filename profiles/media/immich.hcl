# Immich: photo and video backup from phones, with timeline, albums,
# sharing, face recognition and smart search. On PostgreSQL (with the
# VectorChord extension) and Redis.
#
# - The module configures the local PostgreSQL for Immich (extensions,
#   preload libraries), creates the database and role "immich" (idempotent,
#   like state.databases) and runs its own Redis on a Unix socket. Immich
#   connects over /run/postgresql with peer authentication.
# - The first visitor of https://<domain> creates the administrator: open
#   the site right after the first deploy. Everything else (OAuth/OIDC
#   sign-in, the external domain for shared links, storage templates) is
#   set in Administration > Settings, since `settings` stays null.
# - machine_learning runs the face/object recognition service; it
#   downloads its models from Hugging Face on first use and wants several
#   GB of RAM. Turn it off on small machines.
profile "immich" {
  summary  = "Photo and video backup with albums, sharing and smart search"
  category = "media"
  module   = "services.immich"
  source   = "nixos/modules/services/web-apps/immich.nix"
  upstream = "https://immich.app"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. photos.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like photos.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 2283
    description = "Local port Immich listens on, behind the reverse proxy."
  }
  param "machine_learning" {
    type        = bool
    default     = true
    description = "Whether to run face recognition and smart search (needs several GB of RAM)."
  }
  param "max_upload" {
    type        = string
    default     = "50000M"
    description = "Largest upload through the reverse proxy, like 4G; videos can be large."
  }

  # Originals, thumbnails, encoded videos and Immich's own database dumps.
  state {
    paths     = ["/var/lib/immich"]
    databases = ["postgresql:immich"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "machine-learning" {
    protocol = "tcp"
    port     = 3003 # fixed by the module, local only
  }

  health {
    unit = "immich-server.service"
    http = "/api/server/ping"
  }

  example = { domain = "photos.example.org" }

  nixos = {
    "services.immich" = {
      enable             = true
      host               = "127.0.0.1"
      port               = param.port
      "machine-learning" = { enable = param.machine_learning }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
