# CrowdSec: detects attacks in the logs (SSH brute force and the other
# scenarios of the crowdsecurity/linux collection) and decides on bans,
# sharing signals with the CrowdSec community and receiving its
# blocklist in return. It does not block anything itself: add the
# crowdsec-firewall-bouncer profile on the same machine for that.
#
# - Reads the sshd unit's journal (the module puts its user in the
#   systemd-journal group). More sources: services.crowdsec.localConfig.acquisitions.
# - The local API (LAPI) listens on 127.0.0.1:<lapi_port>; bouncers on this
#   machine use it. The machine registers itself on the first start
#   (credentials in /var/lib/crowdsec/state) and with the central API for
#   the community blocklist.
# - Hub collections are downloaded from the CrowdSec hub at start.
profile "crowdsec" {
  summary  = "Attack detection from logs with a community blocklist"
  category = "security"
  module   = "services.crowdsec"
  source   = "nixos/modules/services/security/crowdsec.nix"
  upstream = "https://www.crowdsec.net"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "lapi_port" {
    type        = number
    default     = 8080
    description = "Port of the local API on 127.0.0.1 (bouncers connect to it)."
  }
  param "collections" {
    type        = list(string)
    default     = ["crowdsecurity/linux"]
    description = "Hub collections to install (parsers and scenarios)."
  }
  param "ban_duration" {
    type        = string
    default     = "4h"
    description = "Duration of the bans decided for detected attacks."
  }

  state {
    paths = ["/var/lib/crowdsec"]
  }

  expose "lapi" {
    protocol = "tcp"
    port     = param.lapi_port
  }

  health {
    unit = "crowdsec.service"
  }

  example = {}

  nixos = {
    "services.crowdsec" = {
      enable = true
      hub    = { collections = param.collections }
      localConfig = {
        acquisitions = [{
          source            = "journalctl"
          journalctl_filter = ["_SYSTEMD_UNIT=sshd.service"]
          labels            = { type = "syslog" }
        }]
        # The module's two default profiles, with the ban duration as a
        # parameter.
        profiles = [
          {
            name       = "default_ip_remediation"
            filters    = ["Alert.Remediation == true && Alert.GetScope() == 'Ip'"]
            decisions  = [{ type = "ban", duration = param.ban_duration }]
            on_success = "break"
          },
          {
            name       = "default_range_remediation"
            filters    = ["Alert.Remediation == true && Alert.GetScope() == 'Range'"]
            decisions  = [{ type = "ban", duration = param.ban_duration }]
            on_success = "break"
          },
        ]
      }
      settings = {
        general = {
          api = { server = { enable = true, listen_uri = "127.0.0.1:${param.lapi_port}" } }
        }
        lapi = { credentialsFile = "/var/lib/crowdsec/state/local_api_credentials.yaml" }
        capi = { credentialsFile = "/var/lib/crowdsec/state/online_api_credentials.yaml" }
      }
    }
  }
}
