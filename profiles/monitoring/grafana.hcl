# Grafana: dashboards and alerting over Prometheus, Loki, VictoriaMetrics,
# PostgreSQL and many other data sources.
#
# - PostgreSQL through the local socket as role "grafana" (peer auth, no
#   password).
# - The admin account "admin" gets the generated password on the first
#   start (later changes happen in the UI). The secret key encrypts data
#   source credentials in the database: it must stay with the data.
#   Grafana reads both with its $__file{} provider, as user grafana.
# - Data sources and dashboards are added in the UI (Prometheus on the
#   same machine: http://127.0.0.1:9090).
# - Sign-up is off (module default); the admin invites users, or users
#   sign in through OIDC (settings."auth.generic_oauth").
profile "grafana" {
  summary  = "Dashboards and alerting for metrics and logs"
  category = "monitoring"
  module   = "services.grafana"
  source   = "nixos/modules/services/monitoring/grafana.nix"
  upstream = "https://grafana.com/oss/grafana/"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "oidc" # generic OAuth / OpenID Connect

  param "domain" {
    type        = string
    description = "Public host name, e.g. grafana.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like grafana.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port Grafana listens on, behind nginx."
  }

  secret "admin_password" {
    generate = "password"
    owner    = "grafana"
    before   = ["grafana.service"]
  }
  secret "secret_key" {
    generate = "hex"
    owner    = "grafana"
    before   = ["grafana.service"]
  }

  # Plugins and sessions; dashboards, users and data sources are in the
  # database.
  state {
    paths     = ["/var/lib/grafana"]
    databases = ["postgresql:grafana"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "grafana.service"
    http = "/api/health"
  }

  example = { domain = "grafana.example.org" }

  nixos = {
    "services.grafana" = {
      enable = true
      settings = {
        server = {
          http_addr = "127.0.0.1"
          http_port = param.port
          domain    = param.domain
          root_url  = "https://${param.domain}/"
        }
        database = {
          type = "postgres"
          host = "/run/postgresql"
          name = "grafana"
          user = "grafana"
        }
        security = {
          admin_user     = "admin"
          admin_password = "$__file{${secret.admin_password}}"
          secret_key     = "$__file{${secret.secret_key}}"
          cookie_secure  = true
        }
        analytics = { reporting_enabled = false }
      }
    }
  }
}
