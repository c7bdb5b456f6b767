# Scrutiny: S.M.A.R.T. health of this machine's disks, with history,
# failure thresholds from real-world data and notifications.
#
# - The collector (smartd plus a daily scrutiny-collector run, as root)
#   feeds the web app on localhost; history is kept in a local InfluxDB 2
#   that the module enables and Scrutiny sets up itself.
# - Scrutiny has no login of its own, so nginx asks for a password (HTTP
#   basic auth) from an htpasswd file the operator provides:
#     htpasswd -nB alice | freecloud secrets set <service> htpasswd
# - Only useful on machines with real disks (not on most cloud VMs).
profile "scrutiny" {
  summary  = "Hard disk S.M.A.R.T. monitoring with history"
  category = "monitoring"
  module   = "services.scrutiny"
  source   = "nixos/modules/services/monitoring/scrutiny.nix"
  upstream = "https://github.com/AnalogJ/scrutiny"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. disks.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like disks.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port of the web app, behind nginx."
  }

  # nginx reads it on each request, as user nginx. No `before`: nginx
  # serves the machine's other sites whether or not the file is there yet.
  secret "htpasswd" {
    provided    = true
    owner       = "nginx"
    description = "htpasswd file of the accounts that may see the dashboard: htpasswd -nB <user>"
  }

  # Scrutiny's SQLite database and the InfluxDB 2 time series.
  state {
    paths = ["/var/lib/private/scrutiny", "/var/lib/influxdb2"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "scrutiny.service"
  }

  example = { domain = "disks.example.org" }

  nixos = {
    "services.scrutiny" = {
      enable    = true
      influxdb  = { enable = true }
      collector = { enable = true }
      settings = {
        web = {
          listen = { host = "127.0.0.1", port = param.port }
        }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { basicAuthFile = secret.htpasswd } }
      }
    }
  }
}
