# endlessh-go: an SSH tarpit. It answers on an SSH port with an endless,
# very slow banner, keeping scanners and brute-force bots busy for hours
# instead of letting them try passwords elsewhere. It holds no state and
# needs no configuration.
#
# Most useful on port 22 with the real OpenSSH moved to another port; the
# default 2222 is safe to deploy next to OpenSSH on 22. The port is public
# on purpose. Prometheus metrics (connections, time wasted) are on
# 127.0.0.1:<metrics_port>.
profile "endlessh-go" {
  summary  = "SSH tarpit that keeps scanning bots busy"
  category = "security"
  module   = "services.endlessh-go"
  source   = "nixos/modules/services/security/endlessh-go.nix"
  upstream = "https://github.com/shizunge/endlessh-go"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 2222
    description = "Port of the tarpit. 22 only if OpenSSH listens elsewhere."
  }
  param "metrics_port" {
    type        = number
    default     = 2112
    description = "Local port of the Prometheus metrics."
  }

  expose "tarpit" {
    protocol = "tcp"
    port     = param.port
    public   = true
  }
  expose "metrics" {
    protocol = "tcp"
    port     = param.metrics_port
  }

  health {
    unit = "endlessh-go.service"
  }

  example = {}

  nixos = {
    "services.endlessh-go" = {
      enable        = true
      port          = param.port
      listenAddress = "0.0.0.0"
      prometheus = {
        enable        = true
        listenAddress = "127.0.0.1"
        port          = param.metrics_port
      }
    }
  }
}
