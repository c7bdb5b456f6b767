# Prometheus node exporter: the machine's CPU, memory, disks, network and
# systemd units as metrics, for a Prometheus (or VictoriaMetrics) to
# scrape at <machine>:9100.
#
# It listens on all addresses so that a Prometheus on another machine can
# scrape it; the port stays closed in the firewall to the internet.
profile "prometheus-node-exporter" {
  summary  = "Machine metrics for Prometheus"
  category = "monitoring"
  module   = "services.prometheus.exporters.node"
  source   = "nixos/modules/services/monitoring/prometheus/exporters/node.nix"
  upstream = "https://github.com/prometheus/node_exporter"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 9100
    description = "Port the metrics are served on (/metrics)."
  }
  param "collectors" {
    type        = list(string)
    default     = ["systemd", "processes"]
    description = "Collectors to enable on top of the default ones."
  }

  expose "metrics" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "prometheus-node-exporter.service"
  }

  example = {}

  nixos = {
    "services.prometheus.exporters.node" = {
      enable            = true
      listenAddress     = "0.0.0.0"
      port              = param.port
      enabledCollectors = param.collectors
    }
  }
}
