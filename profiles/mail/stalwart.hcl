# Stalwart: a complete mail server in one program (SMTP, IMAP, JMAP,
# CalDAV/CardDAV, spam filter, DKIM), with a web admin.
#
# - Ports: SMTP 25 for incoming mail, submissions 465 (implicit TLS) for
#   mail clients, IMAPS 993. All public. The web admin and JMAP listen on
#   127.0.0.1 behind nginx at https://<domain>.
# - TLS on the mail ports uses the Let's Encrypt certificate nginx obtains
#   for <domain>, loaded with LoadCredential; Stalwart restarts on renewal.
# - Admin: the fallback administrator "admin" with the generated password
#   (web admin → create domains, accounts, DKIM keys; the web admin lists
#   the DNS records to publish: MX, SPF, DKIM, DMARC).
# - Everything (mail, accounts, settings made in the web admin) is in
#   RocksDB under /var/lib/stalwart.
# - Outgoing port 25 must be open at your provider, and the machine's
#   address needs a reverse DNS name matching <domain>.
profile "stalwart" {
  summary  = "All-in-one mail server: SMTP, IMAP, JMAP, calendars and contacts"
  category = "mail"
  module   = "services.stalwart"
  source   = "nixos/modules/services/mail/stalwart.nix"
  upstream = "https://stalw.art"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Host name of the mail server, e.g. mail.example.org: the MX target, TLS name and web admin address."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like mail.example.org."
    }
  }
  param "http_port" {
    type        = number
    default     = 8480
    description = "Local port of the web admin and JMAP behind the reverse proxy."
  }

  secret "admin_password" {
    generate    = "password"
    before      = ["stalwart.service"]
    description = "Password of the fallback administrator \"admin\""
  }

  state {
    paths = ["/var/lib/stalwart"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.http_port
  }
  expose "smtp" {
    protocol = "tcp"
    port     = 25
    public   = true
  }
  expose "submissions" {
    protocol = "tcp"
    port     = 465
    public   = true
  }
  expose "imaps" {
    protocol = "tcp"
    port     = 993
    public   = true
  }

  health {
    unit = "stalwart.service"
    http = "/healthz/live"
  }

  example = { domain = "mail.example.org" }

  nixos = {
    "services.stalwart" = {
      enable       = true
      stateVersion = "26.05" # data layout of this module version; keep it
      credentials = {
        cert           = "/var/lib/acme/${param.domain}/fullchain.pem"
        key            = "/var/lib/acme/${param.domain}/key.pem"
        admin_password = secret.admin_password
      }
      settings = {
        server = {
          hostname = param.domain
          listener = {
            smtp = {
              bind     = ["[::]:25"]
              protocol = "smtp"
            }
            submissions = {
              bind     = ["[::]:465"]
              protocol = "smtp"
              tls      = { implicit = true }
            }
            imaps = {
              bind     = ["[::]:993"]
              protocol = "imap"
              tls      = { implicit = true }
            }
            http = {
              bind     = ["127.0.0.1:${param.http_port}"]
              protocol = "http"
            }
          }
        }
        certificate = {
          default = {
            cert        = "%%{file:/run/credentials/stalwart.service/cert}%"
            private-key = "%%{file:/run/credentials/stalwart.service/key}%"
            default     = true
          }
        }
        authentication = {
          fallback-admin = {
            user = "admin"
            # Stalwart's file macro: the password stays in the file.
            secret = "%%{file:/run/credentials/stalwart.service/admin_password}%"
          }
        }
      }
    }
    "systemd.services.stalwart" = {
      # acme-<domain> puts a certificate in place before anything uses it.
      wants = ["acme-${param.domain}.service"]
      after = ["acme-${param.domain}.service"]
    }
    "security.acme.certs" = {
      (param.domain) = { reloadServices = ["stalwart.service"] }
    }
  }
}
