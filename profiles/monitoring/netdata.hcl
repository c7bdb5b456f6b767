# Netdata: real-time, per-second metrics of this machine (CPU, disks,
# network, systemd units, containers, services) with built-in dashboards
# and alerts, zero configuration.
#
# - Netdata's local dashboard has no login of its own, so nginx asks for a
#   password (HTTP basic auth) from an htpasswd file the operator provides:
#     htpasswd -nB alice | freecloud secrets set <service> htpasswd
# - The agent listens on localhost only; Netdata Cloud is not used
#   (no claim token) and anonymous statistics are off (module default).
# - Metrics are kept in the dbengine under /var/cache/netdata; they are a
#   cache, not state worth restoring.
profile "netdata" {
  summary  = "Real-time metrics and dashboards of one machine"
  category = "monitoring"
  module   = "services.netdata"
  source   = "nixos/modules/services/monitoring/netdata.nix"
  upstream = "https://www.netdata.cloud"
  license  = "GPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. netdata.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like netdata.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 19999
    description = "Local port of the Netdata agent, behind nginx."
  }

  # nginx reads it on each request, as user nginx. No `before`: nginx
  # serves the machine's other sites whether or not the file is there yet.
  secret "htpasswd" {
    provided    = true
    owner       = "nginx"
    description = "htpasswd file of the accounts that may see the dashboard: htpasswd -nB <user>"
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  # The dashboard answers 401 without credentials: only the unit is checked.
  health {
    unit = "netdata.service"
  }

  example = { domain = "netdata.example.org" }

  nixos = {
    "services.netdata" = {
      enable = true
      config = {
        web = { "bind to" = "127.0.0.1:${param.port}" }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { basicAuthFile = secret.htpasswd } }
      }
    }
  }
}
