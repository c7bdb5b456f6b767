# Jellyfin: stream your films, series, music and photos to browsers, TV
# and phone apps.
#
# - Jellyfin listens on port 8096 (set in its own network settings, not by
#   the module); the port stays closed in the firewall and nginx proxies
#   to it. Client discovery (UDP 7359) and DLNA are not opened.
# - The first visitor of https://<domain> runs the setup wizard and creates
#   the administrator: open the site right after the first deploy. In the
#   wizard or later (Dashboard > Networking), add 127.0.0.1 to the known
#   proxies so that Jellyfin sees the clients' addresses.
# - Media libraries are folders on the machine, chosen in the wizard; they
#   must be readable by the user jellyfin and are not part of the state
#   (back them up separately).
profile "jellyfin" {
  summary  = "Media server: films, series, music and photos for browsers, TVs and apps"
  category = "media"
  module   = "services.jellyfin"
  source   = "nixos/modules/services/misc/jellyfin.nix"
  upstream = "https://jellyfin.org"
  license  = "GPL-2.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. media.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like media.example.org."
    }
  }

  # Configuration, users, watch state and metadata; /var/cache/jellyfin
  # (transcodes, images) can be rebuilt.
  state {
    paths = ["/var/lib/jellyfin"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = 8096 # Jellyfin's default HTTP port, not settable through the module
  }

  health {
    unit = "jellyfin.service"
    http = "/health"
  }

  example = { domain = "media.example.org" }

  nixos = {
    "services.jellyfin" = {
      enable       = true
      openFirewall = false
    }
  }
}
