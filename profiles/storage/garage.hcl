# Garage: lightweight S3-compatible object storage, designed for
# geo-distributed clusters of small machines; here one node.
#
# The RPC secret and the admin API token are generated and reach Garage
# through systemd credentials (it runs as a dynamic user, so it could not
# read root-owned files; Garage also refuses secret files others can read).
#
# After the first deploy, give the node its storage role once, on the host:
#   garage layout assign -z dc1 -c 100G $(garage node id -q | cut -d@ -f1)
#   garage layout apply --version 1
# then create keys and buckets with `garage key create` / `garage bucket create`.
profile "garage" {
  summary  = "Garage S3-compatible object storage (single node)"
  category = "storage"
  module   = "services.garage"
  source   = "nixos/modules/services/web-servers/garage.nix"
  upstream = "https://garagehq.deuxfleurs.fr"
  license  = "AGPL-3.0-only"
  maturity = "beta"

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

  secret "rpc_secret" {
    generate    = "hex" # 32 random bytes as 64 hex digits, the format Garage requires
    before      = ["garage.service"]
    description = "Secret shared by the nodes of the Garage cluster"
  }
  secret "admin_token" {
    generate    = "base64"
    before      = ["garage.service"]
    description = "Bearer token of the Garage admin API (127.0.0.1:3903)"
  }

  # DynamicUser: systemd keeps the StateDirectory under /var/lib/private.
  # Data blocks in data/, the metadata database in meta/.
  state {
    paths = ["/var/lib/private/garage"]
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
        replication_factor = 1
        db_engine          = "lmdb"
        rpc_bind_addr      = "127.0.0.1:3901"
        rpc_public_addr    = "127.0.0.1:3901"
        rpc_secret_file    = "/run/credentials/garage.service/rpc_secret"
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
    "systemd.services.garage" = {
      serviceConfig = {
        LoadCredential = [
          "rpc_secret:${secret.rpc_secret}",
          "admin_token:${secret.admin_token}",
        ]
      }
    }
    # nginx accepts 10 MiB request bodies by default; S3 uploads are larger.
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        extraConfig = "client_max_body_size 0;\nproxy_request_buffering off;\n"
      }
    }
  }
}
