# Postfix as the machine's outgoing mail server: the services on the
# machine (password resets, notifications, cron) send through
# localhost:25 or /run/wrappers/bin/sendmail, and Postfix delivers to the
# recipients' servers, or through a relay host.
#
# - Listens on the loopback interface only: it accepts no mail from the
#   internet and relays only for this machine.
# - Many providers block outgoing port 25; then set relayhost to your
#   provider's smarthost (e.g. "[smtp.example.net]:25" for one that
#   accepts this machine's address). Authenticated relaying is not
#   configured here.
# - For mail to be accepted by others, the sending domain needs SPF (and
#   DKIM: add the opendkim or rspamd profile).
# - Other mail profiles (opendkim, rspamd) require this one and add their
#   milters to it.
profile "postfix" {
  summary  = "Outgoing mail for the services on the machine"
  category = "mail"
  module   = "services.postfix"
  source   = "nixos/modules/services/mail/postfix.nix"
  upstream = "https://www.postfix.org"
  license  = "IPL-1.0 OR EPL-2.0"
  maturity = "stable"
  sso      = "none"

  param "hostname" {
    type        = string
    default     = ""
    description = "Host name Postfix greets with and uses in Message-IDs, e.g. mail.example.org; empty means the machine's host name."
  }
  param "origin" {
    type        = string
    default     = ""
    description = "Domain appended to bare sender names (root, nextcloud), e.g. example.org; empty means the host name."
  }
  param "relayhost" {
    type        = string
    default     = ""
    description = "Smarthost to send all mail through, e.g. \"[smtp.example.net]:25\"; empty delivers directly."
  }
  param "root_alias" {
    type        = string
    default     = ""
    description = "Address that receives mail for root and postmaster (cron, bounces), e.g. admin@example.org."
  }

  # The mail queue: mail not yet delivered.
  state {
    paths = ["/var/lib/postfix"]
  }

  expose "smtp" {
    protocol = "tcp"
    port     = 25
  }

  health {
    unit = "postfix.service"
  }

  example = {}

  nixos = {
    "services.postfix" = {
      enable    = true
      rootAlias = param.root_alias
      settings = {
        main = {
          inet_interfaces  = "loopback-only"
          myhostname       = param.hostname != "" ? param.hostname : null
          myorigin         = param.origin != "" ? param.origin : null
          relayhost        = param.relayhost != "" ? [param.relayhost] : []
          mynetworks_style = "host"
        }
      }
    }
  }
}
