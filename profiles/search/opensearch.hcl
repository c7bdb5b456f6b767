# OpenSearch: distributed search and analytics engine (the Elasticsearch
# fork), here as a single node for the applications on the machine (log
# search, site search, apps that need an Elasticsearch-compatible API).
#
# The NixOS module runs it with the security plugin off: no users, no TLS.
# So the REST API stays on 127.0.0.1 and its port closed: only local
# applications (and, later, the mesh) use it, and it gets no web route.
# The JVM heap is fixed (half the RAM at most; OpenSearch also uses the
# file cache).
profile "opensearch" {
  summary  = "Search and analytics engine (Elasticsearch-compatible API) for local apps"
  category = "search"
  module   = "services.opensearch"
  source   = "nixos/modules/services/search/opensearch.nix"
  upstream = "https://opensearch.org"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 9200
    description = "Local port of the REST API."
  }
  param "heap" {
    type        = string
    default     = "1g"
    description = "JVM heap size (-Xms and -Xmx), e.g. 512m or 4g."
    validation {
      condition     = can(regex("^[0-9]+[mgMG]$", param.heap))
      error_message = "heap is a size like 512m or 4g."
    }
  }
  param "cluster_name" {
    type        = string
    default     = "opensearch"
    description = "Cluster name reported by the API."
  }

  state {
    paths = ["/var/lib/opensearch"]
  }

  expose "api" {
    protocol = "tcp"
    port     = param.port
  }
  expose "transport" {
    protocol = "tcp"
    port     = 9300
  }

  health {
    unit = "opensearch.service"
  }

  example = {}

  nixos = {
    "services.opensearch" = {
      enable           = true
      extraJavaOptions = ["-Xms${param.heap}", "-Xmx${param.heap}"]
      settings = {
        "cluster.name"              = param.cluster_name
        "discovery.type"            = "single-node"
        "network.host"              = "127.0.0.1"
        "http.port"                 = param.port
        "transport.port"            = 9300
        "plugins.security.disabled" = true
      }
    }
  }
}
