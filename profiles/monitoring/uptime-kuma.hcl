# Uptime Kuma: uptime monitoring (HTTP, TCP, ping, DNS, certificates...)
# with status pages and notifications to 90+ services.
#
# - The first visitor creates the admin account: open https://<domain>
#   right after the first deploy.
# - SQLite database and settings under /var/lib/uptime-kuma (the service
#   runs as a dynamic user, so the files are in /var/lib/private).
profile "uptime-kuma" {
  summary  = "Uptime monitoring with status pages and notifications"
  category = "monitoring"
  module   = "services.uptime-kuma"
  source   = "nixos/modules/services/monitoring/uptime-kuma.nix"
  upstream = "https://uptime.kuma.pet"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. status.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like status.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3001
    description = "Local port Uptime Kuma listens on, behind nginx."
  }

  state {
    paths = ["/var/lib/private/uptime-kuma"]
  }

  # Websockets are used by the UI; the http expose proxies them.
  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "uptime-kuma.service"
    http = "/"
  }

  example = { domain = "status.example.org" }

  nixos = {
    "services.uptime-kuma" = {
      enable = true
      settings = {
        HOST = "127.0.0.1"
        PORT = tostring(param.port)
      }
    }
  }
}
