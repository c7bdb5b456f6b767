# CoreDNS as a caching, forwarding resolver for the machine and the private
# network, with optional local records (a hosts-file block) for names that
# only exist inside, e.g. db.internal.
#
# It forwards everything else to the upstreams, caches, and answers only
# loopback and private ranges (acl plugin); port 53 stays closed in the
# firewall. The Corefile is the whole configuration: extra_config adds
# server blocks (e.g. a forward zone for a corporate domain).
profile "coredns" {
  summary  = "Caching DNS forwarder with local records, configured by a Corefile"
  category = "dns"
  module   = "services.coredns"
  source   = "nixos/modules/services/networking/coredns.nix"
  upstream = "https://coredns.io"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "upstreams" {
    type        = list(string)
    default     = ["tls://9.9.9.9", "tls://149.112.112.112"]
    description = "Where to forward queries: plain addresses, or tls:// for DNS-over-TLS."
  }
  param "tls_servername" {
    type        = string
    default     = "dns.quad9.net"
    description = "TLS server name of tls:// upstreams (ignored for plain ones)."
  }
  param "hosts" {
    type        = map(string)
    default     = {}
    description = "Local records, name to address, e.g. { \"db.internal\" = \"10.0.0.5\" }."
  }
  param "allowed_networks" {
    type        = list(string)
    default     = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"]
    description = "Client networks allowed to query."
  }
  param "extra_config" {
    type        = string
    default     = ""
    description = "More Corefile server blocks."
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
    unit = "coredns.service"
  }

  example = {}

  nixos = {
    "services.coredns" = {
      enable = true
      config = <<-EOT
        . {
          acl {
            allow net ${join(" ", param.allowed_networks)}
            block
          }
          hosts {
            ${join("\n    ", [for name, addr in param.hosts : "${addr} ${name}"])}
            fallthrough
          }
          forward . ${join(" ", param.upstreams)} {
            tls_servername ${param.tls_servername}
          }
          cache 3600
          errors
        }
        ${param.extra_config}
        EOT
    }
  }
}
