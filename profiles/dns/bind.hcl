# BIND 9 as a primary (master) name server for the listed zones. Zone files
# are state, edited on the machine at /var/lib/bind/<zone>.zone and loaded
# with `rndc reload <zone>`; BIND skips a zone whose file is missing (error
# in the journal) and serves the others.
#
# Recursion stays limited to the machine itself (the module's
# cacheNetworks): the zones answer everyone, the resolver nobody else, so
# the server is no amplifier for DDoS.
# named-checkconf -z cannot read the zone files at build time (they are not
# in the Nix store), so the build-time check is off.
profile "bind" {
  summary  = "BIND authoritative DNS server for your zones"
  category = "dns"
  module   = "services.bind"
  source   = "nixos/modules/services/networking/bind.nix"
  upstream = "https://www.isc.org/bind/"
  license  = "MPL-2.0"
  maturity = "stable"
  sso      = "none"

  param "zones" {
    type        = list(string)
    description = "Zones served as primary, e.g. [\"example.org\"]; their files are /var/lib/bind/<zone>.zone."
    validation {
      condition     = alltrue([for z in param.zones : can(regex("^[a-z0-9.-]+$", z))])
      error_message = "Each zone is a DNS name like example.org."
    }
  }
  param "secondaries" {
    type        = list(string)
    default     = []
    description = "Addresses of secondary servers allowed to transfer the zones, e.g. [\"192.0.2.53\"]."
  }

  state {
    paths = ["/var/lib/bind"]
  }

  expose "dns" {
    protocol = "udp"
    port     = 53
    public   = true
  }
  expose "dns-tcp" {
    protocol = "tcp"
    port     = 53
    public   = true
  }

  health {
    unit = "bind.service"
  }

  example = { zones = ["example.org"] }

  nixos = {
    "services.bind" = {
      enable      = true
      directory   = "/var/lib/bind" # persistent, unlike the default /run/named
      checkConfig = false
      zones = { for z in param.zones : z => {
        master  = true
        file    = "/var/lib/bind/${z}.zone"
        masters = []
        slaves  = param.secondaries
      } }
    }
  }
}
