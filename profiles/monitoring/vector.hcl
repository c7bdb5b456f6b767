# Vector: ships this machine's systemd journal to Loki (the loki profile,
# here or on another machine), labelled with the machine and unit name.
#
# - Runs as a dynamic user in the systemd-journal group; remembers its
#   position in the journal under /var/lib/vector, so restarts neither lose
#   nor repeat lines.
# - The configuration is validated when the system is built.
profile "vector" {
  summary  = "Ships the systemd journal to Loki"
  category = "monitoring"
  module   = "services.vector"
  source   = "nixos/modules/services/logging/vector.nix"
  upstream = "https://vector.dev"
  license  = "MPL-2.0"
  maturity = "stable"
  sso      = "none"

  param "loki_url" {
    type        = string
    default     = "http://127.0.0.1:3100"
    description = "Base URL of Loki's HTTP API, e.g. http://logs.internal:3100."
    validation {
      condition     = can(regex("^https?://", param.loki_url))
      error_message = "loki_url is a URL like http://127.0.0.1:3100."
    }
  }

  # The journal cursor; losing it means shipping some lines twice.
  state {
    paths = ["/var/lib/private/vector"]
  }

  health {
    unit = "vector.service"
  }

  example = {}

  nixos = {
    "services.vector" = {
      enable         = true
      journaldAccess = true
      settings = {
        data_dir = "/var/lib/vector"
        sources = {
          journal = { type = "journald" }
        }
        sinks = {
          loki = {
            type     = "loki"
            inputs   = ["journal"]
            endpoint = param.loki_url
            encoding = { codec = "json" }
            labels = {
              host = service.machine
              unit = "{{ _SYSTEMD_UNIT }}"
            }
            out_of_order_action = "accept"
          }
        }
      }
    }
  }
}
