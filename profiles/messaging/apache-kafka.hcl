# Apache Kafka in KRaft mode: one node that is both broker and controller,
# no ZooKeeper (the packaged Kafka has none).
#
# The log directory is formatted on the first start with the cluster id
# (the module's formatLogDirs, which does nothing once meta.properties
# exists). The id is not a secret, only a name for the cluster; any
# 22-character base64url string from `kafka-storage.sh random-uuid` works.
# The broker and controller listen on 127.0.0.1 in plain text without
# authentication, so neither port is opened.
profile "apache-kafka" {
  summary  = "Apache Kafka event streaming broker (single node, KRaft)"
  category = "messaging"
  module   = "services.apache-kafka"
  source   = "nixos/modules/services/misc/apache-kafka.nix"
  upstream = "https://kafka.apache.org"
  license  = "Apache-2.0"
  maturity = "stable"

  param "port" {
    type        = number
    default     = 9092
    description = "Client (broker) port on 127.0.0.1."
  }
  param "controller_port" {
    type        = number
    default     = 9093
    description = "KRaft controller port on 127.0.0.1."
  }
  param "cluster_id" {
    type        = string
    default     = "fRcLdKfkT1aoLd8zIGsbaQ"
    description = "KRaft cluster id used to format the log directory on the first start (22 characters of base64url). Changing it later makes Kafka refuse the existing data."
    validation {
      condition     = can(regex("^[A-Za-z0-9_-]{22}$", param.cluster_id))
      error_message = "cluster_id is 22 base64url characters, as printed by kafka-storage.sh random-uuid."
    }
  }

  # Topic partitions and the KRaft metadata log.
  state {
    paths = ["/var/lib/apache-kafka"]
  }

  expose "broker" {
    protocol = "tcp"
    port     = param.port
  }
  expose "controller" {
    protocol = "tcp"
    port     = param.controller_port
  }

  health {
    unit = "apache-kafka.service"
  }

  example = {}

  nixos = {
    "services.apache-kafka" = {
      enable        = true
      clusterId     = param.cluster_id
      formatLogDirs = true
      settings = {
        "node.id"                        = 1
        "process.roles"                  = ["broker", "controller"]
        "listeners"                      = ["PLAINTEXT://127.0.0.1:${param.port}", "CONTROLLER://127.0.0.1:${param.controller_port}"]
        "advertised.listeners"           = ["PLAINTEXT://127.0.0.1:${param.port}"]
        "listener.security.protocol.map" = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
        "controller.listener.names"      = ["CONTROLLER"]
        "controller.quorum.voters"       = ["1@127.0.0.1:${param.controller_port}"]
        "log.dirs"                       = ["/var/lib/apache-kafka"]
        # One node: internal topics cannot be replicated.
        "offsets.topic.replication.factor"         = 1
        "transaction.state.log.replication.factor" = 1
        "transaction.state.log.min.isr"            = 1
      }
    }
  }
}
