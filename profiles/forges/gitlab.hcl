# GitLab Community Edition: forge, CI/CD, issues and wikis in one.
# Heavy: plan 4 GB of RAM and 2 cores at least.
#
# - The module runs GitLab's pieces as units under gitlab.target (puma,
#   sidekiq, gitaly, workhorse) plus its own Redis (redis-gitlab).
# - PostgreSQL (16 or newer) through the local socket as role "gitlab",
#   peer auth. The module's databaseCreateLocally stays on: it creates the
#   database idempotently and adds the extensions GitLab needs (pg_trgm,
#   btree_gist), which freecloud's plain database would lack.
# - Workhorse listens only on a Unix socket, so the http expose has no
#   port: the profile points the virtual host at the socket and freecloud
#   adds HTTPS to it.
# - The root account ("root") gets the generated initial password
#   (/var/lib/freecloud/secrets/<service>/root_password) on first setup.
# - Secrets: six random keys are generated on the host; the OpenID Connect
#   signing key must be an RSA key, which freecloud cannot generate:
#     openssl genrsa 2048 | freecloud secrets set <service> jws_key
# - CI runners are not part of this profile (GitLab Runner registers
#   separately).
profile "gitlab" {
  summary  = "GitLab Community Edition: Git forge with CI/CD"
  category = "forges"
  module   = "services.gitlab"
  source   = "nixos/modules/services/misc/gitlab.nix"
  upstream = "https://about.gitlab.com"
  license  = "MIT"
  maturity = "beta"
  sso      = "oidc" # omniauth openid_connect, through extraConfig

  param "domain" {
    type        = string
    description = "Public host name, e.g. gitlab.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like gitlab.example.org."
    }
  }
  param "root_email" {
    type        = string
    default     = "admin@example.org"
    description = "E-mail address of the initial root account (first setup only)."
  }
  param "max_upload" {
    type        = string
    default     = "1g"
    description = "Largest request nginx accepts (pushes, artifacts, LFS), in nginx size syntax."
  }

  # Read by gitlab-config.service and gitlab-db-config.service, which run as
  # user gitlab.
  secret "root_password" {
    generate = "password"
    owner    = "gitlab"
    before   = ["gitlab-db-config.service"]
  }
  secret "secret_key_base" {
    generate = "password"
    length   = 64
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "db_key_base" {
    generate = "password"
    length   = 64
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "otp_key_base" {
    generate = "password"
    length   = 64
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "ar_primary_key" {
    generate = "password"
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "ar_deterministic_key" {
    generate = "password"
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "ar_key_derivation_salt" {
    generate = "password"
    owner    = "gitlab"
    before   = ["gitlab-config.service"]
  }
  secret "jws_key" {
    provided    = true
    owner       = "gitlab"
    before      = ["gitlab-config.service"]
    description = "RSA private key in PEM format signing OpenID Connect tokens: openssl genrsa 2048"
  }

  # Repositories, uploads, CI artifacts, LFS objects and the generated
  # config live under statePath; the database holds the rest.
  state {
    paths     = ["/var/gitlab/state"]
    databases = ["postgresql:gitlab"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "gitlab.service"
    http = "/users/sign_in"
  }

  example = { domain = "gitlab.example.org" }

  nixos = {
    "services.gitlab" = {
      enable                  = true
      host                    = param.domain
      port                    = 443
      https                   = true
      databaseCreateLocally   = true
      initialRootEmail        = param.root_email
      initialRootPasswordFile = secret.root_password
      secrets = {
        secretFile                       = secret.secret_key_base
        dbFile                           = secret.db_key_base
        otpFile                          = secret.otp_key_base
        jwsFile                          = secret.jws_key
        activeRecordPrimaryKeyFile       = secret.ar_primary_key
        activeRecordDeterministicKeyFile = secret.ar_deterministic_key
        activeRecordSaltFile             = secret.ar_key_derivation_salt
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = {
          "/" = {
            proxyPass       = "http://unix:/run/gitlab/gitlab-workhorse.socket"
            proxyWebsockets = true
            extraConfig     = "client_max_body_size ${param.max_upload};"
          }
        }
      }
    }
  }
}
