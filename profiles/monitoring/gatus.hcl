# Gatus: a status page fed by health checks (HTTP, TCP, DNS, ICMP, TLS
# expiry...), with conditions on status, body and response time, and
# alerts to chat and incident tools.
#
# - Checks come from the `endpoints` parameter, name to URL, each expected
#   to answer 200 within the interval; Gatus also checks its own page.
#   Finer conditions and alerting mean writing services.gatus.settings by
#   hand (https://gatus.io/docs).
# - Results are kept in SQLite under /var/lib/gatus (a dynamic user: the
#   files are in /var/lib/private/gatus).
# - The status page is public, like a status page should be.
profile "gatus" {
  summary  = "Health checks and a public status page"
  category = "monitoring"
  module   = "services.gatus"
  source   = "nixos/modules/services/monitoring/gatus.nix"
  upstream = "https://gatus.io"
  license  = "Apache-2.0"
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
    default     = 8080
    description = "Local port Gatus listens on, behind nginx."
  }
  param "endpoints" {
    type        = map(string)
    default     = {}
    description = "Checks: name to URL, e.g. { website = \"https://example.org\" }. Each must answer 200."
  }
  param "interval" {
    type        = string
    default     = "1m"
    description = "How often each endpoint is checked."
  }

  state {
    paths = ["/var/lib/private/gatus"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "gatus.service"
    http = "/health"
  }

  example = { domain = "status.example.org" }

  nixos = {
    "services.gatus" = {
      enable = true
      settings = {
        web     = { address = "127.0.0.1", port = param.port }
        storage = { type = "sqlite", path = "/var/lib/gatus/data.db" }
        # Gatus refuses to start without endpoints: it always has its own.
        endpoints = [for name, url in merge({ gatus = "https://${param.domain}/health" }, param.endpoints) : {
          name       = name
          url        = url
          interval   = param.interval
          conditions = ["[STATUS] == 200"]
        }]
      }
    }
  }
}
