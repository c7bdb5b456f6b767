# Plausible Community Edition: privacy-friendly web analytics without
# cookies. Sites embed https://<domain>/js/script.js.
#
# The module runs its own ClickHouse (events) next to PostgreSQL (users,
# sites). Its database setup (plausible-postgres.service) only acts when the
# database does not exist yet, so it coexists with freecloud's; Plausible
# connects over the socket as "plausible" with peer authentication.
#
# The admin account is seeded before the web server accepts connections, so
# the unauthenticated first-launch wizard is never reachable; the operator
# provides the bcrypt hash of its password (mkpasswd -m bcrypt), never the
# password itself. Registration stays closed: invite further users.
profile "plausible" {
  summary  = "Privacy-friendly, cookie-free web analytics"
  category = "analytics"
  module   = "services.plausible"
  source   = "nixos/modules/services/web-apps/plausible.nix"
  upstream = "https://plausible.io"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. stats.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like stats.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8000
    description = "Local port behind the reverse proxy."
  }
  param "admin_email" {
    type        = string
    description = "E-mail address (login) of the admin account created on the first start."
  }
  param "mail_from" {
    type        = string
    default     = ""
    description = "Sender address of Plausible's e-mails (reports, invitations). Empty: plausible@<domain>."
  }
  param "smtp_host" {
    type        = string
    default     = "localhost"
    description = "SMTP server Plausible sends mail through (no authentication)."
  }

  # Phoenix needs at least 64 bytes; read through LoadCredential (root).
  secret "secret_key_base" {
    generate = "base64"
    length   = 64
    before   = ["plausible.service"]
  }
  secret "admin_password_hash" {
    provided    = true
    description = "bcrypt hash of the admin account's password ($2b$..., from mkpasswd -m bcrypt)"
    before      = ["plausible.service"]
  }

  state {
    paths     = ["/var/lib/plausible", "/var/lib/clickhouse"]
    databases = ["postgresql:plausible"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  # ClickHouse, local only; declared so that a clash is reported.
  expose "clickhouse-http" {
    protocol = "tcp"
    port     = 8123
  }
  expose "clickhouse-native" {
    protocol = "tcp"
    port     = 9000
  }

  health {
    unit = "plausible.service"
    http = "/api/health"
  }

  example = { domain = "stats.example.org", admin_email = "admin@example.org" }

  nixos = {
    "services.plausible" = {
      enable = true
      server = {
        baseUrl             = "https://${param.domain}"
        listenAddress       = "127.0.0.1"
        port                = param.port
        secretKeybaseFile   = secret.secret_key_base
        disableRegistration = "invite_only"
      }
      adminUser = {
        email            = param.admin_email
        passwordHashFile = secret.admin_password_hash
      }
      database = {
        clickhouse = { setup = true }
        postgres   = { setup = true, dbname = "plausible", socket = "/run/postgresql" }
      }
      mail = {
        email = param.mail_from == "" ? "plausible@${param.domain}" : param.mail_from
        smtp  = { hostAddr = param.smtp_host, hostPort = 25 }
      }
    }
  }
}
