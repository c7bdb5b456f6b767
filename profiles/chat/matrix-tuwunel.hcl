# Tuwunel, a Matrix homeserver in Rust (the maintained successor of
# conduwuit): one process, an embedded RocksDB, no database server. Lighter
# than Synapse for a family or a small team.
#
# Like the Synapse profile, one host name does everything: tuwunel answers
# /.well-known/matrix/server and /.well-known/matrix/client itself, so
# federation goes through port 443. server_name can never change.
#
# Registration needs a token: the generated one (read from the file) lets the
# operator create the first accounts; the first account becomes admin.
#   cat /var/lib/freecloud/secrets/<service>/registration_token
profile "matrix-tuwunel" {
  summary  = "Lightweight Matrix homeserver (tuwunel) with an embedded database"
  category = "chat"
  module   = "services.matrix-tuwunel"
  source   = "nixos/modules/services/matrix/tuwunel.nix"
  upstream = "https://github.com/matrix-construct/tuwunel"
  license  = "Apache-2.0"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name of the homeserver, e.g. matrix.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like matrix.example.org."
    }
  }
  param "server_name" {
    type        = string
    default     = ""
    description = "The part after the colon in user IDs, e.g. example.org. Empty: the domain. Cannot be changed later."
  }
  param "port" {
    type        = number
    default     = 6167
    description = "Local port tuwunel listens on, behind nginx."
  }
  param "max_request_size" {
    type        = number
    default     = 20000000
    description = "Largest request (and so media upload) in bytes; nginx gets the same limit."
  }

  # Read by tuwunel (user tuwunel) to accept registrations with this token.
  secret "registration_token" {
    generate = "password"
    owner    = "tuwunel"
    before   = ["tuwunel.service"]
  }

  # DynamicUser: systemd keeps the state directory in /var/lib/private.
  state {
    paths = ["/var/lib/private/tuwunel"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "tuwunel.service"
    http = "/_matrix/client/versions"
  }

  example = { domain = "matrix.example.org" }

  nixos = {
    "services.matrix-tuwunel" = {
      enable = true
      settings = {
        global = {
          server_name             = param.server_name != "" ? param.server_name : param.domain
          address                 = ["127.0.0.1"]
          port                    = [param.port]
          max_request_size        = param.max_request_size
          allow_registration      = true
          registration_token_file = secret.registration_token
          well_known = {
            client = "https://${param.domain}"
            server = "${param.domain}:443"
          }
        }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_request_size};" }
    }
  }
}
