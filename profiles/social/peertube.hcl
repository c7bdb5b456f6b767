# PeerTube: federated video hosting and live streaming (ActivityPub), on
# PostgreSQL and Redis, served by the module's own nginx virtual host.
#
# - database.createLocally: peertube-init-db creates the role and database
#   "peertube" and its extensions if missing (idempotent; the same database
#   state.databases lists); PeerTube connects over the socket with peer auth
#   as the system user peertube.
# - redis.createLocally: a Redis instance "peertube" on a Unix socket.
# - The user "root" gets a random password on first start, printed in the
#   journal: journalctl -u peertube | grep -i password
# - Videos are large: plan the disk under /var/lib/peertube.
profile "peertube" {
  summary  = "Federated video hosting and live streaming"
  category = "social"
  module   = "services.peertube"
  source   = "nixos/modules/services/web-apps/peertube.nix"
  upstream = "https://joinpeertube.org"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  # OpenID Connect and LDAP through official plugins.
  sso = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, e.g. video.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like video.example.org."
    }
  }
  param "name" {
    type        = string
    default     = "PeerTube"
    description = "Name of the instance."
  }
  param "admin_email" {
    type        = string
    description = "Contact address of the administrator (also the root account's e-mail)."
  }
  param "port" {
    type        = number
    default     = 9010
    description = "Local port of PeerTube, proxied by the module's nginx (not 9000, The Lounge's default)."
  }

  # The PeerTube secret (cookies, tokens), a raw hex value; the peertube
  # service reads it as user peertube into its local configuration.
  secret "peertube_secret" {
    generate = "hex"
    owner    = "peertube"
    before   = ["peertube.service"]
  }

  state {
    paths     = ["/var/lib/peertube", "/var/lib/redis-peertube"]
    databases = ["postgresql:peertube"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "peertube.service"
    http = "/api/v1/config"
  }

  example = { domain = "video.example.org", admin_email = "admin@example.org" }

  nixos = {
    "services.peertube" = {
      enable         = true
      localDomain    = param.domain
      configureNginx = true
      enableWebHttps = true
      listenWeb      = 443
      listenHttp     = param.port
      database       = { createLocally = true }
      redis          = { createLocally = true }
      secrets        = { secretsFile = secret.peertube_secret }
      settings = {
        instance = { name = param.name }
        admin    = { email = param.admin_email }
        signup   = { enabled = false }
      }
    }
  }
}
