# Roundcube: webmail for an existing IMAP/SMTP server (the stalwart or
# maddy profile, or any provider). Users log in with their mail account;
# Roundcube uses the same credentials for sending.
#
# - The module defines the nginx virtual host for <domain> (PHP-FPM) and
#   the profile only adds HTTPS to it.
# - Database: PostgreSQL "roundcube" (contacts, settings, cache), created
#   by the module (idempotent ensure) and listed for backups; Roundcube
#   connects over the socket with peer authentication.
# - /var/lib/roundcube holds the key that encrypts session data.
# - imap_host/smtp_host: use the server's public name with TLS
#   ("ssl://mail.example.org:993", "ssl://mail.example.org:465") so the
#   certificate matches, even when the server is on this machine.
profile "roundcube" {
  summary  = "Webmail for your IMAP mail server"
  category = "mail"
  module   = "services.roundcube"
  source   = "nixos/modules/services/mail/roundcube.nix"
  upstream = "https://roundcube.net"
  license  = "GPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name of the webmail, e.g. webmail.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like webmail.example.org."
    }
  }
  param "imap_host" {
    type        = string
    default     = "localhost:143"
    description = "IMAP server, e.g. ssl://mail.example.org:993."
  }
  param "smtp_host" {
    type        = string
    default     = "localhost:587"
    description = "SMTP submission server, e.g. ssl://mail.example.org:465."
  }
  param "max_attachment_mb" {
    type        = number
    default     = 25
    description = "Largest attachment in MB."
  }
  param "plugins" {
    type        = list(string)
    default     = ["archive", "zipdownload"]
    description = "Roundcube plugins shipped with Roundcube to enable."
  }

  state {
    paths     = ["/var/lib/roundcube"]
    databases = ["postgresql:roundcube"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-roundcube.service"
    http = "/"
  }

  example = { domain = "webmail.example.org" }

  nixos = {
    "services.roundcube" = {
      enable            = true
      hostName          = param.domain
      maxAttachmentSize = param.max_attachment_mb
      plugins           = param.plugins
      extraConfig       = <<-EOT
        $config['imap_host'] = '${param.imap_host}';
        $config['smtp_host'] = '${param.smtp_host}';
        $config['smtp_user'] = '%u';
        $config['smtp_pass'] = '%p';
      EOT
    }
  }
}
