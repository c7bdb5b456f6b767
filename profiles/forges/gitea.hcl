# Gitea: a light Git forge with issues, pull requests, a package registry
# and Actions (runners: the gitea-actions-runner profile).
#
# - PostgreSQL through the local socket as role "gitea" (peer auth, no
#   password). The module's own createDatabase is off: freecloud creates the
#   database; `socket` must then be set, or Gitea would try TCP without a
#   password.
# - The module generates Gitea's internal secrets (SECRET_KEY,
#   INTERNAL_TOKEN, JWT) under /var/lib/gitea/custom/conf on first start.
# - Git over SSH goes through the machine's OpenSSH as user gitea (port 22),
#   with the keys users add in the web interface.
# - Registration is closed by default. Create the first admin on the machine:
#     sudo -u gitea gitea admin user create --admin --username alice \
#       --email alice@example.org --random-password \
#       --config /var/lib/gitea/custom/conf/app.ini --work-path /var/lib/gitea
# - Mail is off; to send mail, set settings.mailer and mailerPasswordFile.
profile "gitea" {
  summary  = "Git hosting with issues, pull requests and packages"
  category = "forges"
  module   = "services.gitea"
  source   = "nixos/modules/services/misc/gitea.nix"
  upstream = "https://about.gitea.com"
  license  = "MIT"
  maturity = "stable"
  sso      = "oidc" # OpenID Connect login sources, set up in the admin panel

  param "domain" {
    type        = string
    description = "Public host name, e.g. git.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like git.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port Gitea listens on, behind nginx."
  }
  param "open_registration" {
    type        = bool
    default     = false
    description = "Let anyone create an account. Off: the admin creates accounts (or users sign in through OIDC)."
  }
  param "max_upload" {
    type        = string
    default     = "512m"
    description = "Largest request nginx accepts (git pushes over HTTPS, LFS, packages), in nginx size syntax."
  }

  state {
    paths     = ["/var/lib/gitea"]
    databases = ["postgresql:gitea"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "gitea.service"
    http = "/api/healthz"
  }

  example = { domain = "git.example.org" }

  nixos = {
    "services.gitea" = {
      enable = true
      database = {
        type           = "postgres"
        createDatabase = false
        socket         = "/run/postgresql"
        name           = "gitea"
        user           = "gitea"
      }
      lfs = { enable = true }
      settings = {
        server = {
          DOMAIN    = param.domain
          ROOT_URL  = "https://${param.domain}/"
          HTTP_ADDR = "127.0.0.1"
          HTTP_PORT = param.port
        }
        service = { DISABLE_REGISTRATION = !param.open_registration }
        session = { COOKIE_SECURE = true }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { extraConfig = "client_max_body_size ${param.max_upload};" } }
      }
    }
  }
}
