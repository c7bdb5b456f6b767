# Apache ZooKeeper: coordination service (configuration, leader election,
# locks) for software that still needs it: Solr, HBase, older Kafka
# clients' tooling, ClickHouse replication. Kafka itself runs without it
# (see apache-kafka).
#
# One server, no authentication: the client port is bound to 127.0.0.1 and
# stays closed, and the embedded admin web server (port 8080 on every
# interface by default) is turned off.
profile "zookeeper" {
  summary  = "Apache ZooKeeper coordination service (single server)"
  category = "messaging"
  module   = "services.zookeeper"
  source   = "nixos/modules/services/misc/zookeeper.nix"
  upstream = "https://zookeeper.apache.org"
  license  = "Apache-2.0"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 2181
    description = "Client port on 127.0.0.1."
  }

  # Snapshots and transaction logs.
  state {
    paths = ["/var/lib/zookeeper"]
  }

  expose "client" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "zookeeper.service"
  }

  example = {}

  nixos = {
    "services.zookeeper" = {
      enable = true
      port   = param.port
      # Replaces the module's default, whose three timing lines are kept.
      extraConf = <<-EOT
        initLimit=5
        syncLimit=2
        tickTime=2000
        clientPortAddress=127.0.0.1
        admin.enableServer=false
      EOT
    }
  }
}
