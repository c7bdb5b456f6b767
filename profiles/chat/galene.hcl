# Galene: a light video-conferencing server (WebRTC SFU) for meetings,
# lectures and classes, with a built-in web client at https://<domain>/.
#
# Galene speaks plain HTTP on localhost here (insecure = true) and nginx adds
# HTTPS. Its built-in TURN server listens on port 1194 (TCP and UDP), so
# calls work through NAT without a separate coturn.
#
# Meetings are "groups", one JSON file each in /var/lib/galene/groups, e.g.
# /var/lib/galene/groups/team.json:
#   {"users": {"alice": {"password": "...", "permissions": "op"}},
#    "wildcard-user": {"password": {"type": "wildcard"}, "permissions": "present"}}
# and the meeting is at https://<domain>/group/team/. No group exists after
# the first deploy.
profile "galene" {
  summary  = "Video-conferencing server with a web client"
  category = "chat"
  module   = "services.galene"
  source   = "nixos/modules/services/web-apps/galene.nix"
  upstream = "https://galene.org"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. meet.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like meet.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8443
    description = "Local port of Galene's web server, behind nginx."
  }

  # Group definitions, server data and recordings.
  state {
    paths = ["/var/lib/galene"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "turn-tcp" {
    protocol = "tcp"
    port     = 1194
    public   = true
  }
  expose "turn-udp" {
    protocol = "udp"
    port     = 1194
    public   = true
  }

  health {
    unit = "galene.service"
    http = "/"
  }

  example = { domain = "meet.example.org" }

  nixos = {
    "services.galene" = {
      enable      = true
      insecure    = true # nginx terminates TLS
      httpAddress = "127.0.0.1"
      httpPort    = param.port
      turnAddress = ":1194"
    }
  }
}
