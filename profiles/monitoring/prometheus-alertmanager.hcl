# Prometheus Alertmanager: groups, silences and routes the alerts
# Prometheus sends, to webhooks (chat bridges, ntfy, incident tools).
#
# - No web route: Alertmanager has no authentication of its own. It listens
#   on localhost (port 9093) for Prometheus on the same machine;
#   listen_address "0.0.0.0" makes it reachable from other machines (the
#   firewall stays closed to the internet).
# - Every alert goes to the webhooks in `webhooks` (Alertmanager's webhook
#   JSON). Richer routing (e-mail, per-team receivers) means writing
#   services.prometheus.alertmanager.configuration by hand.
profile "prometheus-alertmanager" {
  summary  = "Alert routing and silencing for Prometheus"
  category = "monitoring"
  module   = "services.prometheus.alertmanager"
  source   = "nixos/modules/services/monitoring/prometheus/alertmanager.nix"
  upstream = "https://prometheus.io/docs/alerting/latest/alertmanager/"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 9093
    description = "Port of the API and web interface."
  }
  param "listen_address" {
    type        = string
    default     = "127.0.0.1"
    description = "Address Alertmanager listens on; 0.0.0.0 for Prometheus on other machines."
  }
  param "webhooks" {
    type        = list(string)
    default     = []
    description = "URLs every alert is posted to (Alertmanager webhook format)."
  }
  param "repeat_interval" {
    type        = string
    default     = "4h"
    description = "How long to wait before notifying again about an alert that is still firing."
  }

  # Silences and the notification log.
  state {
    paths = ["/var/lib/private/alertmanager"]
  }

  expose "api" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "alertmanager.service"
  }

  example = {}

  nixos = {
    "services.prometheus.alertmanager" = {
      enable        = true
      listenAddress = param.listen_address
      port          = param.port
      configuration = {
        route = {
          receiver        = "default"
          group_by        = ["alertname", "instance"]
          repeat_interval = param.repeat_interval
        }
        receivers = [{
          name            = "default"
          webhook_configs = [for url in param.webhooks : { url = url }]
        }]
      }
    }
  }
}
