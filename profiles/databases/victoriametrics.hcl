# VictoriaMetrics (single node): a time-series database that speaks the
# Prometheus query language and accepts Prometheus remote write, InfluxDB
# line protocol and more. Grafana adds it as a Prometheus data source at
# https://<domain>/ with basic auth.
#
# The whole HTTP API is behind basic auth (user from the parameter,
# generated password) because it is reachable from the internet through
# the reverse proxy.
profile "victoriametrics" {
  summary  = "VictoriaMetrics time-series database (Prometheus-compatible)"
  category = "databases"
  module   = "services.victoriametrics"
  source   = "nixos/modules/services/databases/victoriametrics.nix"
  upstream = "https://victoriametrics.com"
  license  = "Apache-2.0"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name of the HTTP API and vmui, e.g. metrics.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like metrics.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8428
    description = "Local port behind the reverse proxy."
  }
  param "retention" {
    type        = string
    default     = "1y"
    description = "How long samples are kept: a number with h, d, w or y (at least 24h or 1d)."
    validation {
      condition     = can(regex("^[0-9]+[hdwy]$", param.retention))
      error_message = "retention is a number followed by h, d, w or y, like 90d or 1y."
    }
  }
  param "username" {
    type        = string
    default     = "vm"
    description = "Basic auth user name for the HTTP API."
  }

  # Read through LoadCredential: stays root-owned.
  secret "password" {
    generate    = "password"
    before      = ["victoriametrics.service"]
    description = "Basic auth password for the HTTP API"
  }

  # DynamicUser: systemd keeps the StateDirectory under /var/lib/private.
  state {
    paths = ["/var/lib/private/victoriametrics"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "victoriametrics.service"
  }

  example = { domain = "metrics.example.org" }

  nixos = {
    "services.victoriametrics" = {
      enable                = true
      listenAddress         = "127.0.0.1:${param.port}"
      retentionPeriod       = param.retention
      basicAuthUsername     = param.username
      basicAuthPasswordFile = secret.password
    }
  }
}
