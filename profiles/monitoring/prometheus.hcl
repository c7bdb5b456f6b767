# Prometheus: collects metrics by scraping exporters (e.g. the
# prometheus-node-exporter profile) and evaluates alert rules.
#
# - No web route: Prometheus has no authentication of its own, so its UI
#   and API stay on localhost (port 9090), for Grafana on the same machine
#   (data source http://127.0.0.1:9090) and SSH tunnels. listen_address
#   "0.0.0.0" makes it reachable from other machines; the firewall stays
#   closed to the internet.
# - Scrape targets come from the `scrape` parameter, one job per entry:
#     scrape = { node = ["web1.internal:9100", "db1.internal:9100"] }
#   Prometheus always scrapes itself.
# - Alerts go to the Alertmanagers listed in `alertmanagers`
#   (host:port, e.g. the prometheus-alertmanager profile on 127.0.0.1:9093).
profile "prometheus" {
  summary  = "Metrics collection and alerting"
  category = "monitoring"
  module   = "services.prometheus"
  source   = "nixos/modules/services/monitoring/prometheus/default.nix"
  upstream = "https://prometheus.io"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 9090
    description = "Port of the web interface and API."
  }
  param "listen_address" {
    type        = string
    default     = "127.0.0.1"
    description = "Address Prometheus listens on; 0.0.0.0 for other machines (the port stays closed in the firewall)."
  }
  param "retention" {
    type        = string
    default     = "30d"
    description = "How long samples are kept, e.g. 15d or 1y."
  }
  param "scrape_interval" {
    type        = string
    default     = "30s"
    description = "How often targets are scraped."
  }
  param "scrape" {
    type        = map(list(string))
    default     = {}
    description = "Scrape jobs: job name to a list of host:port targets, e.g. { node = [\"web1.internal:9100\"] }."
  }
  param "alertmanagers" {
    type        = list(string)
    default     = []
    description = "Alertmanagers to send alerts to, as host:port."
  }

  # The time series database (TSDB).
  state {
    paths = ["/var/lib/prometheus2"]
  }

  expose "api" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "prometheus.service"
  }

  example = {}

  nixos = {
    "services.prometheus" = {
      enable        = true
      listenAddress = param.listen_address
      port          = param.port
      retentionTime = param.retention
      globalConfig  = { scrape_interval = param.scrape_interval }
      scrapeConfigs = concat(
        [{ job_name = "prometheus", static_configs = [{ targets = ["127.0.0.1:${param.port}"] }] }],
        [for job, targets in param.scrape : { job_name = job, static_configs = [{ targets = targets }] }],
      )
      alertmanagers = [for a in param.alertmanagers : { static_configs = [{ targets = [a] }] }]
    }
  }
}
