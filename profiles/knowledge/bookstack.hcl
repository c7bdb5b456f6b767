# BookStack: documentation organised as shelves, books, chapters and pages,
# on MariaDB.
#
# - The module defines the nginx virtual host (PHP-FPM) for `hostname`; the
#   profile only adds HTTPS to it.
# - The database "bookstack" and the MariaDB user "bookstack" come from
#   state.databases; the PHP pool runs as the system user bookstack, which
#   logs in over /run/mysqld/mysqld.sock with unix_socket authentication:
#   no database password.
# - APP_KEY encrypts data in the database: it is generated once and must
#   be restored together with the database.
# - BookStack creates the account admin@admin.com with the password
#   "password" on the first migration. Sign in and change both right after
#   the first deploy.
# - OIDC or LDAP sign-in needs AUTH_METHOD and related settings, which this
#   profile does not set.
profile "bookstack" {
  summary  = "Documentation platform: shelves, books, chapters and pages"
  category = "knowledge"
  module   = "services.bookstack"
  source   = "nixos/modules/services/web-apps/bookstack.nix"
  upstream = "https://www.bookstackapp.com"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. docs.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like docs.example.org."
    }
  }
  param "max_upload" {
    type        = string
    default     = "64M"
    description = "Largest upload (images, attachments), like 64M or 1G."
  }

  # Laravel's APP_KEY: 32 characters, read by the setup unit as bookstack
  # (the module turns APP_KEY_FILE into APP_KEY).
  secret "app_key" {
    generate    = "password"
    length      = 32
    owner       = "bookstack"
    before      = ["bookstack-setup.service"]
    description = "Laravel application key that encrypts secrets stored in the database"
  }

  state {
    paths     = ["/var/lib/bookstack"]
    databases = ["mysql:bookstack"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-bookstack.service"
    http = "/status"
  }

  example = { domain = "docs.example.org" }

  nixos = {
    "services.bookstack" = {
      enable        = true
      hostname      = param.domain
      maxUploadSize = param.max_upload
      nginx         = {} # the module's virtual host; freecloud adds HTTPS
      settings = {
        APP_URL      = "https://${param.domain}"
        APP_KEY_FILE = secret.app_key
        DB_HOST      = "localhost"
        DB_SOCKET    = "/run/mysqld/mysqld.sock"
        DB_DATABASE  = "bookstack"
        DB_USERNAME  = "bookstack"
      }
    }
    "systemd.services.bookstack-setup" = {
      requires = ["mysql.service"]
    }
    # The module raises PHP's limits; nginx needs the same.
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
