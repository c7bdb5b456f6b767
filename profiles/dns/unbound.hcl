# Unbound: validating, caching DNS resolver for the machine and the private
# network. It resolves from the root servers itself (DNSSEC-validated, root
# trust anchor kept up to date in /var/lib/unbound) unless upstreams are
# given, then it forwards to them over DNS-over-TLS.
#
# It answers only loopback and private address ranges (access_control), and
# port 53 stays closed in the firewall: reachable from this machine and,
# later, the mesh. Never an open resolver. The machine itself uses it
# (the module points resolv.conf at 127.0.0.1).
profile "unbound" {
  summary  = "Validating, caching DNS resolver for the machine and private network"
  category = "dns"
  module   = "services.unbound"
  source   = "nixos/modules/services/networking/unbound.nix"
  upstream = "https://www.nlnetlabs.nl/projects/unbound/"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  param "access_control" {
    type        = list(string)
    default     = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]
    description = "Client networks allowed to query (loopback, RFC 1918, CGNAT/Tailscale, ULA by default)."
  }
  param "upstreams" {
    type        = list(string)
    default     = []
    description = "DNS-over-TLS upstreams as ip@853#name, e.g. [\"9.9.9.9@853#dns.quad9.net\"]. Empty: full recursion from the root."
  }

  expose "dns" {
    protocol = "udp"
    port     = 53
  }
  expose "dns-tcp" {
    protocol = "tcp"
    port     = 53
  }

  health {
    unit = "unbound.service"
  }

  example = {}

  nixos = {
    "services.unbound" = {
      enable              = true
      resolveLocalQueries = true
      settings = merge(
        {
          server = {
            interface           = ["0.0.0.0", "::0"]
            interface-automatic = true # answer from the address the query came to
            access-control      = [for net in param.access_control : "${net} allow"]
            hide-identity       = true
            hide-version        = true
            qname-minimisation  = true
            prefetch            = true
          }
        },
        length(param.upstreams) == 0 ? {} : {
          forward-zone = [{ name = ".", forward-tls-upstream = true, forward-addr = param.upstreams }]
        }
      )
    }
  }
}
