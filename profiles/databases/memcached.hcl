# Memcached: a memory-only cache. Nothing is kept across restarts, so there
# is no state block. It has no authentication: it listens on 127.0.0.1 and
# its port stays closed.
profile "memcached" {
  summary  = "Memcached in-memory cache"
  category = "databases"
  module   = "services.memcached"
  source   = "nixos/modules/services/databases/memcached.nix"
  upstream = "https://memcached.org"
  license  = "BSD-3-Clause"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 11211
    description = "TCP port on 127.0.0.1."
  }
  param "max_memory" {
    type        = number
    default     = 64
    description = "Memory for items, in MiB."
  }
  param "max_connections" {
    type        = number
    default     = 1024
    description = "Most simultaneous connections."
  }

  expose "memcached" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "memcached.service"
  }

  example = {}

  nixos = {
    "services.memcached" = {
      enable         = true
      listen         = "127.0.0.1"
      port           = param.port
      maxMemory      = param.max_memory
      maxConnections = param.max_connections
    }
  }
}
