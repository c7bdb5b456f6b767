# OpenDKIM signs the mail this machine sends with DKIM, so receiving
# servers can verify it comes from your domain. It plugs into the postfix
# profile as a milter.
#
# - The key is generated on the first start in /var/lib/opendkim/keys.
#   Publish the DNS record it prints (also in <selector>.txt there) as
#   <selector>._domainkey.<domain>. Back up the key: a new one needs a new
#   DNS record.
# - Mail from localhost (the machine's services) is signed for the listed
#   domains; incoming mail is verified.
# - Milter on 127.0.0.1:8891 (TCP, so Postfix needs no access to a socket
#   directory).
profile "opendkim" {
  summary  = "DKIM signatures on the mail the machine sends"
  category = "mail"
  module   = "services.opendkim"
  source   = "nixos/modules/services/mail/opendkim.nix"
  upstream = "http://www.opendkim.org"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"
  requires = ["postfix"]

  param "domains" {
    type        = list(string)
    description = "Sender domains to sign for, e.g. [\"example.org\"]."
  }
  param "selector" {
    type        = string
    default     = "mail"
    description = "DKIM selector: the DNS record is <selector>._domainkey.<domain>."
  }
  param "port" {
    type        = number
    default     = 8891
    description = "Local milter port."
  }

  state {
    paths = ["/var/lib/opendkim"]
  }

  expose "milter" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "opendkim.service"
  }

  example = { domains = ["example.org"] }

  nixos = {
    "services.opendkim" = {
      enable   = true
      selector = param.selector
      domains  = "csl:${join(",", param.domains)}"
      socket   = "inet:${param.port}@localhost"
    }
    "services.postfix.settings.main" = {
      smtpd_milters         = ["inet:localhost:${param.port}"]
      non_smtpd_milters     = ["inet:localhost:${param.port}"]
      milter_default_action = "accept" # a stopped milter must not stop mail
    }
  }
}
