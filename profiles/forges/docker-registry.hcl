# A private container image registry (CNCF Distribution, "registry:2"):
# docker/podman push and pull at https://<domain>.
#
# - Anyone can pull and push without authentication in the module's
#   default, so the profile turns on htpasswd authentication. The operator
#   provides the file (bcrypt only):
#     htpasswd -nB alice | freecloud secrets set <service> htpasswd
# - Images are stored on disk under /var/lib/docker-registry. Deleting
#   images is allowed (API), and a daily garbage collection frees the
#   layers nothing references any more (it restarts the registry).
# - nginx accepts uploads of any size on this host (image layers).
profile "docker-registry" {
  summary  = "Private container image registry"
  category = "forges"
  module   = "services.dockerRegistry"
  source   = "nixos/modules/services/misc/docker-registry.nix"
  upstream = "https://distribution.github.io/distribution/"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. registry.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like registry.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 5000
    description = "Local port the registry listens on, behind nginx."
  }

  # Read by the registry itself, which runs as user docker-registry.
  secret "htpasswd" {
    provided    = true
    owner       = "docker-registry"
    before      = ["docker-registry.service"]
    description = "htpasswd file with bcrypt hashes of the accounts that may push and pull: htpasswd -nB <user>"
  }

  state {
    paths = ["/var/lib/docker-registry"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  # /v2/ answers 401 without credentials, so only the unit is checked.
  health {
    unit = "docker-registry.service"
  }

  example = { domain = "registry.example.org" }

  nixos = {
    "services.dockerRegistry" = {
      enable               = true
      listenAddress        = "127.0.0.1"
      port                 = param.port
      enableDelete         = true
      enableGarbageCollect = true
      extraConfig = {
        auth = {
          htpasswd = { realm = param.domain, path = secret.htpasswd }
        }
        # Upload locations the registry hands out use the public address.
        http = { host = "https://${param.domain}" }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { extraConfig = "client_max_body_size 0;" } }
      }
    }
  }
}
