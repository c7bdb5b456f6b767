# Rspamd: spam filtering and DKIM signing for Postfix, as a milter. The
# module wires it into the postfix profile (required here) through the
# socket /run/rspamd/rspamd-milter.sock.
#
# - Scores mail with its default rules; spam above the reject threshold is
#   refused, lower scores add headers. Modules that need Redis (Bayes
#   learning, greylisting, reputation) stay off: no Redis is configured.
# - The controller (web UI and API) listens on localhost:11334 only.
# - /var/lib/rspamd holds its learned state and DKIM keys if you add them.
profile "rspamd" {
  summary  = "Spam filter for the Postfix mail server"
  category = "mail"
  module   = "services.rspamd"
  source   = "nixos/modules/services/mail/rspamd.nix"
  upstream = "https://rspamd.com"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"
  requires = ["postfix"]

  state {
    paths = ["/var/lib/rspamd"]
  }

  health {
    unit = "rspamd.service"
  }

  example = {}

  nixos = {
    "services.rspamd" = {
      enable  = true
      postfix = { enable = true }
    }
  }
}
