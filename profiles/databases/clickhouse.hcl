# ClickHouse, a column-oriented SQL database for analytics and logs.
#
# The packaged config.xml is kept (the module links it into /etc) and the
# profile only overrides the two client ports in config.d. ClickHouse
# listens on localhost when listen_host is unset, as here, and its built-in
# user "default" has no password: fine for clients on this machine (`sudo
# -u clickhouse clickhouse-client`, Grafana, Plausible), which is why
# neither port is public and there is no web route. Create users with
# passwords (CREATE USER ... IDENTIFIED BY) before opening it to others.
profile "clickhouse" {
  summary  = "ClickHouse column-oriented database for analytics"
  category = "databases"
  module   = "services.clickhouse"
  source   = "nixos/modules/services/databases/clickhouse.nix"
  upstream = "https://clickhouse.com"
  license  = "Apache-2.0"
  maturity = "stable"

  param "http_port" {
    type        = number
    default     = 8123
    description = "HTTP interface (queries, /play, /ping) on localhost."
  }
  param "tcp_port" {
    type        = number
    default     = 9000
    description = "Native protocol port (clickhouse-client) on localhost. MinIO defaults to 9000 too: change one of them if both share a machine."
  }

  # Tables and metadata. Consistent backups: BACKUP ... TO Disk/File, or
  # stop the service while copying.
  state {
    paths = ["/var/lib/clickhouse"]
  }

  expose "http" {
    protocol = "tcp"
    port     = param.http_port
  }
  expose "native" {
    protocol = "tcp"
    port     = param.tcp_port
  }

  health {
    unit = "clickhouse.service"
  }

  example = {}

  nixos = {
    "services.clickhouse" = {
      enable = true
      serverConfig = {
        http_port = param.http_port
        tcp_port  = param.tcp_port
      }
    }
  }
}
