# NATS: a lightweight messaging system (publish/subscribe, request/reply)
# with JetStream for persistent streams and key-value buckets.
#
# No authentication is configured, so the server listens on 127.0.0.1 and
# the port stays closed: for the applications on this machine.
profile "nats" {
  summary  = "NATS messaging server with JetStream"
  category = "messaging"
  module   = "services.nats"
  source   = "nixos/modules/services/networking/nats.nix"
  upstream = "https://nats.io"
  license  = "Apache-2.0"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 4222
    description = "Client port on 127.0.0.1."
  }
  param "jetstream" {
    type        = bool
    default     = true
    description = "Enable JetStream (streams, key-value and object stores kept on disk)."
  }

  # JetStream storage.
  state {
    paths = ["/var/lib/nats"]
  }

  expose "client" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "nats.service"
  }

  example = {}

  nixos = {
    "services.nats" = {
      enable    = true
      port      = param.port
      jetstream = param.jetstream
      # nats-server listens on 0.0.0.0 unless told otherwise.
      settings = { host = "127.0.0.1" }
    }
  }
}
