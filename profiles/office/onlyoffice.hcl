# ONLYOFFICE Docs (Document Server): online editors for text documents,
# spreadsheets and presentations, compatible with Office formats. It has no
# file storage and no users of its own: connect it to Nextcloud (the
# ONLYOFFICE app) or another integrator, which opens documents in it.
#
# - The module defines the nginx virtual host for `hostname`, a PostgreSQL
#   database "onlyoffice" (peer authentication over /run/postgresql) and
#   a local RabbitMQ; the profile adds HTTPS to the virtual host.
# - jwt_secret signs the requests between the integrator and the document
#   server: enter the same value in the integrator's settings
#   (Nextcloud: Administration > ONLYOFFICE > Secret key).
# - securityNonceFile must be an nginx snippet
#   (set $secure_link_secret "...";), read by nginx and by the document
#   server. Generated secrets are raw values, so a small unit writes the
#   snippet from the generated `nonce` into /run/onlyoffice-nonce at boot,
#   readable by the group onlyoffice (nginx is a member).
profile "onlyoffice" {
  summary  = "Online office editors (documents, spreadsheets, presentations) for Nextcloud and others"
  category = "office"
  module   = "services.onlyoffice"
  source   = "nixos/modules/services/web-apps/onlyoffice.nix"
  upstream = "https://www.onlyoffice.com/docs-enterprise"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. office.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like office.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8000
    description = "Local port of the document service, behind the module's nginx virtual host."
  }
  param "allow_local_connections" {
    type        = bool
    default     = false
    description = "Let the document server download files from private IP addresses: needed when the integrator (e.g. Nextcloud) is on the same machine or network."
  }

  # Read by onlyoffice-docservice's start script as onlyoffice.
  secret "jwt_secret" {
    generate    = "hex"
    owner       = "onlyoffice"
    before      = ["onlyoffice-docservice.service"]
    description = "JSON Web Token secret shared with the integrator (Nextcloud)"
  }
  # Read by onlyoffice-nonce.service (root), which writes the nginx snippet.
  secret "nonce" {
    generate    = "hex"
    before      = ["onlyoffice-nonce.service"]
    description = "Secret of nginx's secure links to cached files"
  }

  # Converted files and caches; documents stay with the integrator.
  state {
    paths     = ["/var/lib/onlyoffice"]
    databases = ["postgresql:onlyoffice"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }
  expose "docservice" {
    protocol = "tcp"
    port     = param.port # local only: reached through the virtual host
  }

  health {
    unit = "onlyoffice-docservice.service"
    http = "/healthcheck"
  }

  example = { domain = "office.example.org" }

  nixos = {
    "services.onlyoffice" = {
      enable                = true
      hostname              = param.domain
      port                  = param.port
      jwtSecretFile         = secret.jwt_secret
      securityNonceFile     = "/run/onlyoffice-nonce/nonce.conf"
      allowLocalConnections = param.allow_local_connections
    }
    "systemd.services.onlyoffice-nonce" = {
      description = "Write the ONLYOFFICE secure-link nonce as an nginx snippet"
      wantedBy    = ["multi-user.target", "nginx.service"]
      requiredBy  = ["onlyoffice-docservice.service"]
      before      = ["nginx.service", "onlyoffice-docservice.service"]
      serviceConfig = {
        Type            = "oneshot"
        RemainAfterExit = true
      }
      script = <<-SH
        install -d -m 0750 -o root -g onlyoffice /run/onlyoffice-nonce
        umask 0227
        printf 'set $secure_link_secret "%s";\n' "$(cat ${secret.nonce})" > /run/onlyoffice-nonce/nonce.conf.new
        chgrp onlyoffice /run/onlyoffice-nonce/nonce.conf.new
        mv /run/onlyoffice-nonce/nonce.conf.new /run/onlyoffice-nonce/nonce.conf
      SH
    }
  }
}
