# Redis, one instance per service: services.redis.servers.<service name>
# runs as redis-<service>.service under its own user, with its data in
# /var/lib/redis-<service> and a socket at /run/redis-<service>/redis.sock
# (group redis-<service>, mode 660: add a client's user to that group).
# TCP listens on 127.0.0.1 at the port parameter, so two instances on one
# machine need different ports.
#
# Clients authenticate with the generated password (AUTH), which is in the
# secret file on the host.
profile "redis" {
  summary        = "Redis in-memory key-value store, one instance per service"
  category       = "databases"
  module         = "services.redis"
  source         = "nixos/modules/services/databases/redis.nix"
  upstream       = "https://redis.io"
  license        = "AGPL-3.0-only" # Redis 8 as packaged in NixOS
  maturity       = "stable"
  multi_instance = true

  param "port" {
    type        = number
    default     = 6379
    description = "TCP port on 127.0.0.1. Give each Redis service on a machine its own."
  }
  param "max_clients" {
    type        = number
    default     = 10000
    description = "Most simultaneous client connections."
  }

  # Read as root by the instance's ExecStartPre and appended to the runtime
  # config as `requirepass`, so it stays out of the Nix store.
  secret "password" {
    generate    = "password"
    description = "Password clients send with AUTH"
    before      = ["redis-${service.name}.service"]
  }

  state {
    paths = ["/var/lib/redis-${service.name}"]
  }

  health {
    unit = "redis-${service.name}.service"
  }

  expose "redis" {
    protocol = "tcp"
    port     = param.port
  }

  example = {}

  nixos = {
    "services.redis.servers" = {
      (service.name) = {
        enable          = true
        bind            = "127.0.0.1"
        port            = param.port
        maxclients      = param.max_clients
        requirePassFile = secret.password
        # Append-only file: writes survive a crash, not only the last snapshot.
        appendOnly = true
      }
    }
  }
}
