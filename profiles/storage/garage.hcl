# Garage: S3-compatible object storage made for geo-distributed clusters
# of small machines. Each node of the role keeps a share of the objects on
# the disk it contributes; Garage keeps `replication` copies of every
# object in different zones, so a zone may fail as a whole.
#
# The nodes talk RPC over the WireGuard mesh only (their mesh address,
# port 3901, opened on the mesh interface alone). The RPC secret is shared:
# freecloud makes it once, in memory, and seals it to every node's host
# key. Each host publishes its node id, which apply collects like a mesh
# key: the nodes find each other through bootstrap_peers, and apply
# assigns every node its zone and capacity (`garage layout assign`) and
# applies the layout. A layout with fewer zones than copies is refused.
#
# The zone of a node is its location (Hetzner fsn1, an AWS region…), or
# for bare metal its provider block (one site), unless zones says
# otherwise; its capacity is the size of its disk named by `disk`, unless
# capacity_gb says otherwise.
#
# The data directory is on the contributed disk, which freecloud mounts
# with nofail: garage.service requires that mount (RequiresMountsFor), so
# a disk that failed to mount stops the node rather than letting it fill
# the root disk with blocks. Backups take /var/lib/garage, where Garage
# writes a consistent snapshot of its metadata database every 6 hours
# (meta/snapshots); the data blocks are the cluster's own replicas and are
# not backed up per node.
#
# Only the RPC port is on the mesh. Every node also serves the S3 API
# behind its reverse proxy at `domain`; with several nodes, point the
# name at one of them (HTTP-01 certificates are issued to the host the
# name resolves to).
profile "garage" {
  summary  = "Garage S3-compatible object storage replicated across machines"
  category = "storage"
  module   = "services.garage"
  source   = "nixos/modules/services/web-servers/garage.nix"
  upstream = "https://garagehq.deuxfleurs.fr"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  cluster  = "garage"

  role "node" {
    summary = "A storage node: keeps a share of the objects on its disk"
    default = true
  }

  param "domain" {
    type        = string
    description = "Public host name of the S3 API, e.g. s3.example.org (path-style bucket URLs)."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like s3.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3900
    description = "Local port of the S3 API behind the reverse proxy."
  }
  param "replication" {
    type        = number
    default     = 3
    description = "Copies Garage keeps of every object, each in another zone. It cannot be changed once the cluster holds data."
    validation {
      condition     = contains([1, 2, 3, 4, 5, 6, 7], param.replication)
      error_message = "replication is a whole number of copies from 1 to 7; 3 is usual."
    }
  }
  param "disk" {
    type        = string
    default     = "garage"
    description = "Name of each node's data disk that holds the objects; its size is the node's capacity."
  }
  param "zones" {
    type        = map(string)
    default     = {}
    description = "Zone of a node by machine name, when its location is not the right failure domain, e.g. { nas1 = \"office\" }."
  }
  param "capacity_gb" {
    type        = map(number)
    default     = {}
    description = "Capacity of a node in GB by machine name, instead of its disk's size."
  }
  param "interface" {
    type        = string
    default     = "wg-mesh"
    description = "The mesh interface the nodes' RPC port is opened on."
  }

  secret "rpc_secret" {
    generate    = "hex" # 32 random bytes as 64 hex digits, the format Garage requires
    shared      = true
    before      = ["garage.service"]
    description = "Secret shared by the nodes of the Garage cluster"
  }
  secret "admin_token" {
    generate    = "base64"
    before      = ["garage.service"]
    description = "Bearer token of this node's admin API (127.0.0.1:3903)"
  }

  # The node's id, for the other nodes' bootstrap_peers and the layout.
  collect "node_id" {
    pattern = "^[0-9a-f]{64}$"
  }

  state {
    paths = ["/var/lib/garage"]
  }

  expose "s3" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "garage.service"
  }

  example = { domain = "s3.example.org" }

  nixos = {
    "services.garage" = {
      enable = true
      # The module has no default: a major Garage upgrade needs its
      # migration steps first.
      package = nix("pkgs.garage_2")
      settings = {
        replication_factor = param.replication
        db_engine          = "lmdb"
        # Consistent copies of the metadata for backups (meta/snapshots).
        metadata_auto_snapshot_interval = "6h"
        data_dir                        = "${try([for m in cluster.members : m.disks[param.disk].mount if m.self][0], "/var/lib/garage")}/garage-data"
        rpc_bind_addr                   = "${cluster.self.mesh_address}:3901"
        rpc_public_addr                 = "${cluster.self.mesh_address}:3901"
        rpc_secret_file                 = "/run/credentials/garage.service/rpc_secret"
        bootstrap_peers = [for m in cluster.members : "${m.facts.node_id}@${m.mesh_address}:3901"
        if !m.self && m.facts.node_id != null && m.mesh_address != null]
        s3_api = {
          s3_region     = "garage"
          api_bind_addr = "127.0.0.1:${param.port}"
        }
        admin = {
          api_bind_addr    = "127.0.0.1:3903"
          admin_token_file = "/run/credentials/garage.service/admin_token"
        }
      }
    }
    # A fixed user instead of the module's DynamicUser: the data lives on
    # the contributed disk, whose directory the service must own.
    "users.users.garage" = {
      isSystemUser = true
      group        = "garage"
    }
    "users.groups.garage" = {}
    "systemd.tmpfiles.rules" = [
      "d ${try([for m in cluster.members : m.disks[param.disk].mount if m.self][0], "/var/lib/garage")}/garage-data 0700 garage garage -",
    ]
    "systemd.services.garage" = {
      # The data disk is mounted nofail: without it, stop rather than
      # write the blocks to the root disk.
      unitConfig = {
        RequiresMountsFor = ["${try([for m in cluster.members : m.disks[param.disk].mount if m.self][0], "/var/lib/garage")}/garage-data"]
      }
      serviceConfig = {
        DynamicUser = false
        User        = "garage"
        Group       = "garage"
        LoadCredential = [
          "rpc_secret:${secret.rpc_secret}",
          "admin_token:${secret.admin_token}",
        ]
      }
    }
    # The node id, published for freecloud. garage node id reads the node
    # key locally (metadata_dir/node_key.pub) and needs no running daemon,
    # but the key is written by the daemon's first start, which may not
    # have happened yet when this unit runs (garage.service is Type=simple):
    # wait for it, a bounded time.
    "systemd.services.freecloud-fact-${service.name}-node-id" = {
      description = "Publish the Garage node id of ${service.name} for freecloud"
      wantedBy    = ["multi-user.target"]
      requires    = ["garage.service"]
      after       = ["garage.service"]
      path        = [nix("pkgs.garage_2"), nix("pkgs.coreutils")]
      serviceConfig = {
        Type            = "oneshot"
        RemainAfterExit = true
      }
      script = <<-EOT
        mkdir -p ${service.facts_dir}
        for i in $(seq 60); do
          if id=$(garage -c /etc/garage.toml node id -q 2>/dev/null); then break; fi
          if [ "$i" = 60 ]; then
            echo "garage wrote no node key in 60 s: see journalctl -u garage" >&2
            exit 1
          fi
          sleep 1
        done
        printf '%s\n' "$${id%%@*}" > ${service.facts_dir}/node_id.tmp
        mv ${service.facts_dir}/node_id.tmp ${service.facts_dir}/node_id
        EOT
    }
    "networking.firewall.interfaces" = {
      (param.interface) = { allowedTCPPorts = [3901] }
    }
    # nginx accepts 10 MiB request bodies by default; S3 uploads are larger.
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        extraConfig = "client_max_body_size 0;\nproxy_request_buffering off;\n"
      }
    }
  }
}
