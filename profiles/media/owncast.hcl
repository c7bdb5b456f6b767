# Owncast: your own live-streaming server with chat, fed by OBS or any
# RTMP encoder.
#
# - Viewers use https://<domain>; the streaming software sends to
#   rtmp://<domain>:1935/live with the stream key, so the RTMP port is
#   opened in the firewall.
# - Owncast starts with the admin password (and stream key) "abc123".
#   Sign in at https://<domain>/admin (user admin) and change them right
#   after the first deploy.
profile "owncast" {
  summary  = "Self-hosted live video streaming with chat"
  category = "media"
  module   = "services.owncast"
  source   = "nixos/modules/services/misc/owncast.nix"
  upstream = "https://owncast.online"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. live.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like live.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port of the Owncast web server, behind the reverse proxy."
  }
  param "rtmp_port" {
    type        = number
    default     = 1935
    description = "Public port the streaming software sends RTMP to."
  }

  # Configuration database, chat history, uploaded emojis and logos.
  state {
    paths = ["/var/lib/owncast"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "rtmp" {
    protocol = "tcp"
    port     = param.rtmp_port
    public   = true
  }

  health {
    unit = "owncast.service"
    http = "/api/status"
  }

  example = { domain = "live.example.org" }

  nixos = {
    "services.owncast" = {
      enable      = true
      listen      = "127.0.0.1"
      port        = param.port
      "rtmp-port" = param.rtmp_port
    }
  }
}
