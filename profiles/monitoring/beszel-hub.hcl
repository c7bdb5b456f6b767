# Beszel hub: a lightweight server monitoring dashboard (CPU, memory,
# disks, network, Docker containers) with history and alerts. Machines
# report to it through the Beszel agent, which connects over SSH keys the
# hub shows when a system is added.
#
# - The first visitor creates the admin account: open https://<domain>
#   right after the first deploy.
# - Data (PocketBase/SQLite) under /var/lib/beszel-hub; a dynamic user, so
#   the files are in /var/lib/private/beszel-hub.
profile "beszel-hub" {
  summary  = "Lightweight server monitoring dashboard with alerts"
  category = "monitoring"
  module   = "services.beszel.hub"
  source   = "nixos/modules/services/monitoring/beszel-hub.nix"
  upstream = "https://beszel.dev"
  license  = "MIT"
  maturity = "beta"
  sso      = "oidc" # OAuth2/OIDC providers, set up in the PocketBase admin

  param "domain" {
    type        = string
    description = "Public host name, e.g. monitor.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like monitor.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8090
    description = "Local port the hub listens on, behind nginx."
  }

  state {
    paths = ["/var/lib/private/beszel-hub"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "beszel-hub.service"
    http = "/api/health"
  }

  example = { domain = "monitor.example.org" }

  nixos = {
    "services.beszel.hub" = {
      enable      = true
      host        = "127.0.0.1"
      port        = param.port
      environment = { APP_URL = "https://${param.domain}" }
    }
  }
}
