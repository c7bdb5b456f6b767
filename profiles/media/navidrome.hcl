# Navidrome: a music server with a web player, compatible with Subsonic
# apps.
#
# - Music is read from music_dir (read-only for Navidrome); put files there
#   by any means, e.g. a file-sync service on the same machine.
# - The first visitor of https://<domain> creates the administrator: open
#   the site right after the first deploy.
profile "navidrome" {
  summary  = "Music streaming server with a web player and Subsonic API"
  category = "media"
  module   = "services.navidrome"
  source   = "nixos/modules/services/audio/navidrome.nix"
  upstream = "https://www.navidrome.org"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. music.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like music.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 4533
    description = "Local port Navidrome listens on, behind the reverse proxy."
  }
  param "music_dir" {
    type        = string
    default     = "/var/lib/navidrome/music"
    description = "Folder with the music library. Outside /var/lib/navidrome it is not part of the service's state: back it up separately."
    validation {
      condition     = can(regex("^/", param.music_dir))
      error_message = "music_dir is an absolute path."
    }
  }

  # Database (users, playlists, play counts), cache and, by default, the
  # music itself.
  state {
    paths = ["/var/lib/navidrome"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "navidrome.service"
    http = "/ping"
  }

  example = { domain = "music.example.org" }

  nixos = {
    "services.navidrome" = {
      enable = true
      settings = {
        Address     = "127.0.0.1"
        Port        = param.port
        MusicFolder = param.music_dir
      }
    }
  }
}
