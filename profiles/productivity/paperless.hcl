# Paperless-ngx: scan, OCR, tag and search your paper documents, on
# PostgreSQL.
#
# - database.createLocally creates the database and role "paperless"
#   (idempotent, like state.databases) and connects over /run/postgresql
#   with peer authentication; the module also runs its own Redis instance
#   on a Unix socket.
# - `domain` sets PAPERLESS_URL (https://<domain>); the module's own nginx
#   option stays off, freecloud proxies to the local port (websockets
#   included, for upload progress).
# - The superuser "admin" gets the generated password, read through
#   LoadCredential (so the file stays root's).
# - Documents dropped into /var/lib/paperless/consume are imported.
profile "paperless" {
  summary  = "Document management: scan, OCR, tag and search paper documents"
  category = "productivity"
  module   = "services.paperless"
  source   = "nixos/modules/services/misc/paperless.nix"
  upstream = "https://docs.paperless-ngx.com"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. paper.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like paper.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 28981
    description = "Local port Paperless listens on, behind the reverse proxy."
  }
  param "max_upload" {
    type        = string
    default     = "200M"
    description = "Largest document upload through the web interface, like 200M or 1G."
  }

  secret "admin_password" {
    generate    = "password"
    before      = ["paperless-scheduler.service"]
    description = "Password of the Paperless superuser admin"
  }

  # Originals, archived PDFs, thumbnails, the search index and the secret
  # key.
  state {
    paths     = ["/var/lib/paperless"]
    databases = ["postgresql:paperless"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "paperless-web.service"
    http = "/"
  }

  example = { domain = "paper.example.org" }

  nixos = {
    "services.paperless" = {
      enable       = true
      address      = "127.0.0.1"
      port         = param.port
      domain       = param.domain
      passwordFile = secret.admin_password
      database     = { createLocally = true }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
