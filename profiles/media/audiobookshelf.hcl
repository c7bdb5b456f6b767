# Audiobookshelf: audiobooks and podcasts, with progress synced across the
# web player and the phone apps.
#
# - Libraries are folders chosen in the web interface; the default place
#   is under /var/lib/audiobookshelf (e.g. /var/lib/audiobookshelf/audiobooks)
#   so that the state covers them. Folders elsewhere must be readable by
#   the user audiobookshelf and backed up separately.
# - The first visitor of https://<domain> creates the root account: open
#   the site right after the first deploy. OpenID Connect sign-in is set up
#   in Settings > Authentication.
profile "audiobookshelf" {
  summary  = "Audiobook and podcast server with synced listening progress"
  category = "media"
  module   = "services.audiobookshelf"
  source   = "nixos/modules/services/web-apps/audiobookshelf.nix"
  upstream = "https://www.audiobookshelf.org"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. books.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like books.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8000
    description = "Local port Audiobookshelf listens on, behind the reverse proxy."
  }
  param "max_upload" {
    type        = string
    default     = "4G"
    description = "Largest upload through the web interface, like 500M or 4G."
  }

  state {
    paths = ["/var/lib/audiobookshelf"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "audiobookshelf.service"
    http = "/healthcheck"
  }

  example = { domain = "books.example.org" }

  nixos = {
    "services.audiobookshelf" = {
      enable = true
      host   = "127.0.0.1"
      port   = param.port
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
