# VictoriaMetrics (single node): a Prometheus-compatible time series
# database, lighter on disk and memory. Accepts Prometheus remote write,
# InfluxDB line protocol and more, answers PromQL/MetricsQL (Grafana: a
# Prometheus data source), and can scrape targets itself.
#
# - Served over HTTPS at https://<domain> with basic auth: user `username`,
#   generated password in /var/lib/freecloud/secrets/<service>/password.
#   Remote writers (vmagent, Prometheus, Vector) and Grafana use both.
#   VictoriaMetrics reads the password through LoadCredential, so the file
#   stays root-owned.
# - Targets in `scrape` are scraped every scrape_interval:
#     scrape = { node = ["web1.internal:9100"] }
#   (Its own /metrics is behind the basic auth, so it does not scrape
#   itself.)
profile "victoriametrics" {
  summary  = "Prometheus-compatible time series database"
  category = "monitoring"
  module   = "services.victoriametrics"
  source   = "nixos/modules/services/databases/victoriametrics.nix"
  upstream = "https://victoriametrics.com"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. metrics.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like metrics.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8428
    description = "Local port VictoriaMetrics listens on, behind nginx."
  }
  param "username" {
    type        = string
    default     = "metrics"
    description = "Basic auth user name of the API."
  }
  param "retention" {
    type        = string
    default     = "1y"
    description = "How long samples are kept: a number with d, w or y (a bare number counts months)."
  }
  param "scrape_interval" {
    type        = string
    default     = "30s"
    description = "How often the targets in `scrape` are scraped."
  }
  param "scrape" {
    type        = map(list(string))
    default     = {}
    description = "Scrape jobs: job name to a list of host:port targets, e.g. { node = [\"web1.internal:9100\"] }."
  }

  secret "password" {
    generate = "password"
    before   = ["victoriametrics.service"]
  }

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
      prometheusConfig = {
        global         = { scrape_interval = param.scrape_interval }
        scrape_configs = [for job, targets in param.scrape : { job_name = job, static_configs = [{ targets = targets }] }]
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { extraConfig = "client_max_body_size 64m;" } }
      }
    }
  }
}
