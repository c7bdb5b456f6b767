# Forgejo: a community-run Git forge (the Codeberg software, a Gitea fork)
# with issues, pull requests, packages and Actions (runners: the
# gitea-actions-runner profile works for Forgejo too).
#
# - PostgreSQL through the local socket as role "forgejo" (peer auth, no
#   password). The module's own createDatabase is off: freecloud creates the
#   database; `socket` must then be set, or Forgejo would try TCP.
# - The module generates Forgejo's internal secrets on first start, under
#   /var/lib/forgejo/custom/conf.
# - Git over SSH goes through the machine's OpenSSH as user forgejo.
# - Registration is closed by default. Create the first admin on the machine:
#     sudo -u forgejo forgejo admin user create --admin --username alice \
#       --email alice@example.org --random-password \
#       --config /var/lib/forgejo/custom/conf/app.ini --work-path /var/lib/forgejo
# - Mail is off; secrets.mailer.PASSWD takes the SMTP password file.
# The package is forgejo-lts (the module's default).
profile "forgejo" {
  summary  = "Community-run Git forge with issues, pull requests and packages"
  category = "forges"
  module   = "services.forgejo"
  source   = "nixos/modules/services/misc/forgejo.nix"
  upstream = "https://forgejo.org"
  license  = "GPL-3.0-or-later"
  maturity = "stable"
  sso      = "oidc" # OpenID Connect authentication sources, set up in the admin panel

  param "domain" {
    type        = string
    description = "Public host name, e.g. code.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like code.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port Forgejo listens on, behind nginx."
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
    paths     = ["/var/lib/forgejo"]
    databases = ["postgresql:forgejo"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "forgejo.service"
    http = "/api/healthz"
  }

  example = { domain = "code.example.org" }

  nixos = {
    "services.forgejo" = {
      enable = true
      database = {
        type           = "postgres"
        createDatabase = false
        socket         = "/run/postgresql"
        name           = "forgejo"
        user           = "forgejo"
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
