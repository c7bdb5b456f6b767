# Synapse, the reference Matrix homeserver, on PostgreSQL behind nginx.
#
# One host name does everything: clients and other servers reach Synapse at
# https://<domain>, and Synapse answers /.well-known/matrix/server itself
# (serve_server_wellknown) so federation goes through port 443 and 8448
# stays closed. User IDs end in :<server_name> (the domain unless set);
# server_name can never change once users exist. With a server_name other
# than the domain, that other host must serve /.well-known/matrix/server
# and /.well-known/matrix/client pointing here.
#
# Registration is closed. Create accounts on the machine:
#   matrix-synapse-register_new_matrix_user -u alice -a
# (the script reads the shared secret from registration_shared_secret_path).
#
# The database is created by freecloud with the default locale of the
# cluster, not the C collation Synapse asks for, hence allow_unsafe_locale.
profile "matrix-synapse" {
  summary  = "Matrix homeserver (Synapse) for chat, rooms and federation"
  category = "chat"
  module   = "services.matrix-synapse"
  source   = "nixos/modules/services/matrix/synapse.nix"
  upstream = "https://element-hq.github.io/synapse/"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "oidc"

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
    default     = 8008
    description = "Local port of the client and federation listener, behind nginx."
  }
  param "max_upload" {
    type        = string
    default     = "50M"
    description = "Largest media upload, like 50M or 200M (Synapse and nginx)."
  }

  # Lets register_new_matrix_user create accounts; Synapse reads it as user
  # matrix-synapse.
  secret "registration_shared_secret" {
    generate = "password"
    length   = 48
    owner    = "matrix-synapse"
    before   = ["matrix-synapse.service"]
  }

  # Signing key and media store live under /var/lib/matrix-synapse.
  state {
    paths     = ["/var/lib/matrix-synapse"]
    databases = ["postgresql:matrix-synapse"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "matrix-synapse.service"
    http = "/health"
  }

  example = { domain = "matrix.example.org" }

  nixos = {
    "services.matrix-synapse" = {
      enable = true
      settings = {
        server_name            = param.server_name != "" ? param.server_name : param.domain
        public_baseurl         = "https://${param.domain}/"
        serve_server_wellknown = true
        max_upload_size        = param.max_upload
        listeners = [{
          port           = param.port
          bind_addresses = ["127.0.0.1"]
          type           = "http"
          tls            = false
          x_forwarded    = true
          resources      = [{ names = ["client", "federation"], compress = false }]
        }]
        # No host: psycopg2 uses the socket in /run/postgresql, peer auth
        # as the system user matrix-synapse.
        database = {
          name = "psycopg2"
          args = {
            database            = "matrix-synapse"
            user                = "matrix-synapse"
            allow_unsafe_locale = true
          }
        }
        registration_shared_secret_path = secret.registration_shared_secret
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
