# etcd: a consistent key-value store for configuration, service discovery
# and coordination (Kubernetes, Patroni, CoreDNS, APISIX).
#
# One member on its own: clients and peers on 127.0.0.1, no TLS and no
# authentication, so the client port stays closed. A cluster needs TLS
# (certFile/keyFile/trustedCaFile) and peer URLs on a network the members
# share, which this profile does not set up.
profile "etcd" {
  summary  = "etcd distributed key-value store (single member)"
  category = "databases"
  module   = "services.etcd"
  source   = "nixos/modules/services/databases/etcd.nix"
  upstream = "https://etcd.io"
  license  = "Apache-2.0"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 2379
    description = "Client port on 127.0.0.1."
  }

  # Snapshots (`etcdctl snapshot save`) are the consistent backup; the
  # directory is what a move carries.
  state {
    paths = ["/var/lib/etcd"]
  }

  expose "client" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "etcd.service"
  }

  example = {}

  nixos = {
    "services.etcd" = {
      enable              = true
      listenClientUrls    = ["http://127.0.0.1:${param.port}"]
      advertiseClientUrls = ["http://127.0.0.1:${param.port}"]
      listenPeerUrls      = ["http://127.0.0.1:2380"]
    }
  }
}
