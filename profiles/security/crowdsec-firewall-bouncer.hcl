# The CrowdSec firewall bouncer: applies the bans decided by the crowdsec
# profile on the same machine, dropping the banned addresses in the
# firewall (nftables or iptables, whichever the machine uses).
#
# It registers itself with the local CrowdSec API on the first start (the
# module's registerBouncer, on by default when crowdsec is enabled) and
# keeps its API key in /var/lib/crowdsec-firewall-bouncer-register.
profile "crowdsec-firewall-bouncer" {
  summary  = "Blocks the addresses CrowdSec bans in the machine's firewall"
  category = "security"
  module   = "services.crowdsec-firewall-bouncer"
  source   = "nixos/modules/services/security/crowdsec-firewall-bouncer.nix"
  upstream = "https://github.com/crowdsecurity/cs-firewall-bouncer"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"
  requires = ["crowdsec"]

  state {
    paths = ["/var/lib/private/crowdsec-firewall-bouncer-register"]
  }

  health {
    unit = "crowdsec-firewall-bouncer.service"
  }

  example = {}

  nixos = {
    "services.crowdsec-firewall-bouncer" = {
      enable = true
    }
  }
}
