# Maddy: a compact mail server (SMTP in, submission, IMAP, DKIM signing)
# in a single binary, with the module's standard configuration: mail for
# <domain> is stored in SQLite under /var/lib/maddy, outgoing mail is
# DKIM-signed (key generated on the first start in
# /var/lib/maddy/dkim_keys; publish the DNS record it logs).
#
# - TLS: Maddy reads the Let's Encrypt certificate of <hostname>. freecloud
#   obtains certificates for web routes, so the profile declares a web
#   route for <hostname> that serves nothing; it only exists to get (and
#   renew) the certificate. Maddy reads it as a member of the nginx group.
# - Ports: SMTP 25 (incoming), submission 587 and IMAP 143 (both STARTTLS).
#   All public.
# - Accounts: postmaster@<domain> is created with the generated password.
#   More with `maddy creds create` and `maddy imap-acct create`.
profile "maddy" {
  summary  = "Compact mail server: SMTP, submission and IMAP in one program"
  category = "mail"
  module   = "services.maddy"
  source   = "nixos/modules/services/mail/maddy.nix"
  upstream = "https://maddy.email"
  license  = "GPL-3.0-or-later"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Mail domain, e.g. example.org (addresses are user@<domain>)."
  }
  param "hostname" {
    type        = string
    description = "Host name of the server, e.g. mail.example.org: the MX target and TLS name."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.hostname))
      error_message = "hostname is a DNS name like mail.example.org."
    }
  }

  secret "postmaster_password" {
    generate    = "password"
    owner       = "maddy"
    before      = ["maddy-ensure-accounts.service"]
    description = "Password of postmaster@<domain>"
  }

  state {
    paths = ["/var/lib/maddy"]
  }

  # Only to obtain the certificate for hostname (see above).
  expose "certificate" {
    protocol = "http"
    domain   = param.hostname
  }
  expose "smtp" {
    protocol = "tcp"
    port     = 25
    public   = true
  }
  expose "submission" {
    protocol = "tcp"
    port     = 587
    public   = true
  }
  expose "imap" {
    protocol = "tcp"
    port     = 143
    public   = true
  }

  health {
    unit = "maddy.service"
  }

  example = { domain = "example.org", hostname = "mail.example.org" }

  nixos = {
    "services.maddy" = {
      enable        = true
      hostname      = param.hostname
      primaryDomain = param.domain
      tls = {
        loader = "file"
        certificates = [{
          certPath = "/var/lib/acme/${param.hostname}/fullchain.pem"
          keyPath  = "/var/lib/acme/${param.hostname}/key.pem"
        }]
      }
      ensureAccounts = ["postmaster@${param.domain}"]
      ensureCredentials = {
        "postmaster@${param.domain}" = { passwordFile = secret.postmaster_password }
      }
    }
    "systemd.services.maddy" = {
      wants         = ["acme-${param.hostname}.service"]
      after         = ["acme-${param.hostname}.service"]
      serviceConfig = { SupplementaryGroups = ["nginx"] }
    }
    "security.acme.certs" = {
      (param.hostname) = { reloadServices = ["maddy.service"] }
    }
  }
}
