# Knot DNS: authoritative name server for the listed zones. Zone files are
# state, edited on the machine at /var/lib/knot/<zone>.zone and loaded with
# `knotc zone-reload <zone>`; a zone whose file is missing is skipped with
# an error in the journal until the file exists.
#
# With dnssec = true Knot signs the zones itself (keys in
# /var/lib/knot/keys, automatic rollovers): publish the DS record it
# reports (`keymgr <zone> ds`) at the registrar.
# Changes are kept in the journal and never written back to the zone files
# (zonefile-sync -1), which is what automatic signing needs.
profile "knot" {
  summary  = "Authoritative DNS server with automatic DNSSEC signing"
  category = "dns"
  module   = "services.knot"
  source   = "nixos/modules/services/networking/knot.nix"
  upstream = "https://www.knot-dns.cz"
  license  = "GPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "zones" {
    type        = list(string)
    description = "Zones served, e.g. [\"example.org\"]; their files are /var/lib/knot/<zone>.zone."
    validation {
      condition     = alltrue([for z in param.zones : can(regex("^[a-z0-9.-]+$", z))])
      error_message = "Each zone is a DNS name like example.org."
    }
  }
  param "dnssec" {
    type        = bool
    default     = false
    description = "Sign the zones with DNSSEC (automatic key management)."
  }

  state {
    paths = ["/var/lib/knot"]
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
    unit = "knot.service"
  }

  example = { zones = ["example.org"] }

  nixos = {
    "services.knot" = {
      enable = true
      settings = {
        server = { listen = ["0.0.0.0@53", "::@53"] }
        log    = { syslog = { any = "info" } }
        template = {
          default = {
            storage         = "/var/lib/knot"
            file            = "%s.zone"
            semantic-checks = true
            zonefile-sync   = -1
            zonefile-load   = "difference-no-serial"
            journal-content = "all"
            dnssec-signing  = param.dnssec
            serial-policy   = "dateserial"
          }
        }
        zone = { for z in param.zones : z => {} }
      }
    }
  }
}
