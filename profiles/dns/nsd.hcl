# NSD: a small, fast authoritative-only name server. Unlike knot and bind
# here, the zones are part of the configuration: their text is a parameter,
# checked with nsd-checkzone at build time and copied into place on every
# start, so a zone change is a deploy. Zone data is public by nature, so it
# may sit in the Nix store.
#
# With dnssec = true the module signs the zones (BIND's dnssec tools) and
# keeps the keys in /var/lib/nsd/dnssec: back them up, or the DS records at
# the registrar stop matching.
profile "nsd" {
  summary  = "Authoritative DNS server with zones written in the configuration"
  category = "dns"
  module   = "services.nsd"
  source   = "nixos/modules/services/networking/nsd.nix"
  upstream = "https://www.nlnetlabs.nl/projects/nsd/"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  param "zones" {
    type        = map(string)
    description = "Zone name (with the trailing dot) to zone file text, e.g. { \"example.org.\" = \"$ORIGIN example.org.\\n...\" }."
    validation {
      condition     = length(param.zones) > 0
      error_message = "zones holds at least one zone."
    }
  }
  param "dnssec" {
    type        = bool
    default     = false
    description = "Sign the zones with DNSSEC."
  }
  param "secondaries" {
    type        = list(string)
    default     = []
    description = "provide-xfr/notify targets as \"<address> NOKEY\", e.g. [\"192.0.2.53 NOKEY\"]."
  }

  state {
    paths = ["/var/lib/nsd"]
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
    unit = "nsd.service"
  }

  example = {
    zones = {
      "example.org." = <<-EOT
        $ORIGIN example.org.
        $TTL 3600
        @    IN SOA ns1.example.org. hostmaster.example.org. ( 2024010101 7200 3600 1209600 3600 )
        @    IN NS  ns1.example.org.
        ns1  IN A   192.0.2.1
        EOT
    }
  }

  nixos = {
    "services.nsd" = {
      enable     = true
      interfaces = ["0.0.0.0", "::"]
      port       = 53
      zones = { for name, data in param.zones : name => {
        data       = data
        dnssec     = param.dnssec
        provideXFR = param.secondaries
        notify     = param.secondaries
      } }
    }
  }
}
