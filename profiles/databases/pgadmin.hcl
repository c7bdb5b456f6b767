# pgAdmin 4: a web console for PostgreSQL servers.
#
# The module creates the first account (the initial email, with the
# generated password) on every start, idempotently. pgAdmin runs as the
# user "pgadmin": through the local socket with peer authentication it can
# only log in as a role "pgadmin", so register the machine's own server as
# host /run/postgresql only after creating that role; other servers connect
# over TCP with their own passwords, which pgAdmin stores encrypted.
profile "pgadmin" {
  summary  = "pgAdmin web console for PostgreSQL"
  category = "databases"
  module   = "services.pgadmin"
  source   = "nixos/modules/services/admin/pgadmin.nix"
  upstream = "https://www.pgadmin.org"
  license  = "PostgreSQL"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name, e.g. pgadmin.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like pgadmin.example.org."
    }
  }
  param "email" {
    type        = string
    description = "Email address of the first pgAdmin account (its login name)."
    validation {
      condition     = can(regex("^[^@ ]+@[^@ ]+$", param.email))
      error_message = "email is an address like admin@example.org."
    }
  }
  param "port" {
    type        = number
    default     = 5050
    description = "Local port behind the reverse proxy."
  }

  # Read through LoadCredential: stays root-owned.
  secret "initial_password" {
    generate    = "password"
    before      = ["pgadmin.service"]
    description = "Password of the first pgAdmin account"
  }

  # pgAdmin runs with DynamicUser, so systemd keeps its StateDirectory
  # under /var/lib/private (/var/lib/pgadmin is a link to it).
  state {
    paths = ["/var/lib/private/pgadmin"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "pgadmin.service"
    http = "/misc/ping"
  }

  example = { domain = "pgadmin.example.org", email = "admin@example.org" }

  nixos = {
    "services.pgadmin" = {
      enable              = true
      port                = param.port
      initialEmail        = param.email
      initialPasswordFile = secret.initial_password
      settings = {
        DEFAULT_SERVER = "127.0.0.1"
      }
    }
  }
}
