# fail2ban: bans addresses that fail to log in too often, by watching the
# journal. With OpenSSH enabled (freecloud machines have it) the module's
# sshd jail is active; more jails can be added by other profiles under
# services.fail2ban.jails.<name>.
#
# - Repeat offenders are banned longer each time (bantime-increment), up
#   to max_bantime, across all jails.
# - Bans go into the machine's firewall (iptables or nftables, whichever
#   the machine uses). Addresses in ignore_ip and localhost are never
#   banned: put your own fixed addresses there.
# - Do not combine with the crowdsec firewall bouncer on one machine: two
#   systems banning from the same logs are hard to reason about.
profile "fail2ban" {
  summary  = "Bans addresses that keep failing to log in (SSH and more)"
  category = "security"
  module   = "services.fail2ban"
  source   = "nixos/modules/services/security/fail2ban.nix"
  upstream = "https://github.com/fail2ban/fail2ban"
  license  = "GPL-2.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "maxretry" {
    type        = number
    default     = 5
    description = "Failures within the find time (10 minutes) before a ban."
  }
  param "bantime" {
    type        = string
    default     = "1h"
    description = "First ban duration, like 10m or 1h."
  }
  param "max_bantime" {
    type        = string
    default     = "1w"
    description = "Longest ban for repeat offenders."
  }
  param "ignore_ip" {
    type        = list(string)
    default     = []
    description = "Addresses and networks never banned, e.g. [\"203.0.113.7\", \"192.168.0.0/16\"]."
  }

  # The ban database: bans survive restarts and feed bantime-increment.
  state {
    paths = ["/var/lib/fail2ban"]
  }

  health {
    unit = "fail2ban.service"
  }

  example = {}

  nixos = {
    "services.fail2ban" = {
      enable   = true
      maxretry = param.maxretry
      bantime  = param.bantime
      ignoreIP = param.ignore_ip
      bantime-increment = {
        enable       = true
        maxtime      = param.max_bantime
        overalljails = true
      }
    }
  }
}
