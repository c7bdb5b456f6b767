# Grafana Loki: stores logs and indexes only their labels; query them in
# Grafana (data source http://127.0.0.1:3100). Ship logs to it with the
# vector profile (or Alloy, Promtail) on each machine.
#
# - Single-process mode with chunks and the TSDB index on local disk
#   (/var/lib/loki), the upstream "local" configuration. The module checks
#   the configuration at build time (loki -verify-config).
# - No authentication (auth_enabled = false): Loki listens on localhost;
#   listen_address "0.0.0.0" lets shippers on other machines push, with the
#   port closed in the firewall to the internet.
# - The compactor deletes logs older than `retention`.
profile "loki" {
  summary  = "Log storage and querying, for Grafana"
  category = "monitoring"
  module   = "services.loki"
  source   = "nixos/modules/services/monitoring/loki.nix"
  upstream = "https://grafana.com/oss/loki/"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 3100
    description = "HTTP port: push API (/loki/api/v1/push) and queries."
  }
  param "grpc_port" {
    type        = number
    default     = 9096
    description = "gRPC port (internal to Loki; on localhost)."
  }
  param "listen_address" {
    type        = string
    default     = "127.0.0.1"
    description = "Address of the HTTP port; 0.0.0.0 for shippers on other machines."
  }
  param "retention" {
    type        = string
    default     = "744h"
    description = "How long logs are kept (a multiple of 24h), e.g. 744h for 31 days; 0s keeps them forever."
  }

  state {
    paths = ["/var/lib/loki"]
  }

  expose "http" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "loki.service"
  }

  example = {}

  nixos = {
    "services.loki" = {
      enable = true
      configuration = {
        auth_enabled = false
        server = {
          http_listen_address = param.listen_address
          http_listen_port    = param.port
          grpc_listen_address = "127.0.0.1"
          grpc_listen_port    = param.grpc_port
        }
        common = {
          path_prefix        = "/var/lib/loki"
          replication_factor = 1
          ring = {
            instance_addr = "127.0.0.1"
            kvstore       = { store = "inmemory" }
          }
          storage = {
            filesystem = {
              chunks_directory = "/var/lib/loki/chunks"
              rules_directory  = "/var/lib/loki/rules"
            }
          }
        }
        schema_config = {
          configs = [{
            from         = "2024-01-01"
            store        = "tsdb"
            object_store = "filesystem"
            schema       = "v13"
            index        = { prefix = "index_", period = "24h" }
          }]
        }
        limits_config = { retention_period = param.retention }
        compactor = {
          working_directory    = "/var/lib/loki/compactor"
          retention_enabled    = true
          delete_request_store = "filesystem"
        }
        analytics = { reporting_enabled = false }
      }
    }
  }
}
