# Vaultwarden: a password manager server compatible with the Bitwarden
# apps and browser extensions, on PostgreSQL behind the machine's nginx.
#
# - Database: freecloud creates database and role "vaultwarden"; the
#   service runs as user vaultwarden and connects over /run/postgresql with
#   peer authentication (no password).
# - Attachments, sends, icons and the RSA key stay in /var/lib/vaultwarden.
# - Accounts: sign-ups are closed by default. Open https://<domain>/admin
#   with the generated admin token and invite users there (without SMTP,
#   invited users can register directly). Vaultwarden reads the token from
#   the file (ADMIN_TOKEN_FILE) as its own user.
profile "vaultwarden" {
  summary  = "Password manager for the Bitwarden apps and browser extensions"
  category = "security"
  module   = "services.vaultwarden"
  source   = "nixos/modules/services/security/vaultwarden/default.nix"
  upstream = "https://github.com/dani-garcia/vaultwarden"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. vault.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like vault.example.org."
    }
  }
  param "signups_allowed" {
    type        = bool
    default     = false
    description = "Let anyone who reaches the site create an account. Keep it off and invite users from /admin."
  }
  param "port" {
    type        = number
    default     = 8222
    description = "Local port behind the reverse proxy."
  }

  secret "admin_token" {
    generate    = "password"
    length      = 48
    owner       = "vaultwarden"
    before      = ["vaultwarden.service"]
    description = "Token for the admin page https://<domain>/admin"
  }

  state {
    paths     = ["/var/lib/vaultwarden"]
    databases = ["postgresql:vaultwarden"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "vaultwarden.service"
    http = "/alive"
  }

  example = { domain = "vault.example.org" }

  nixos = {
    "services.vaultwarden" = {
      enable    = true
      dbBackend = "postgresql"
      domain    = param.domain
      config = {
        ROCKET_ADDRESS   = "127.0.0.1"
        ROCKET_PORT      = param.port
        DATABASE_URL     = "postgresql:///vaultwarden?host=/run/postgresql"
        SIGNUPS_ALLOWED  = param.signups_allowed
        ADMIN_TOKEN_FILE = secret.admin_token
      }
    }
    # The module orders vaultwarden after PostgreSQL only with
    # configurePostgres, which would create the database a second way.
    "systemd.services.vaultwarden" = {
      after    = ["postgresql.target"]
      requires = ["postgresql.target"]
    }
  }
}
