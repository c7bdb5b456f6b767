# Blocky: DNS forwarder that blocks ads and trackers for the private
# network, from public block lists refreshed daily. Queries go to the
# upstreams over DNS-over-HTTPS, checked in parallel (fastest answer wins).
#
# Stateless: lists are downloaded at start (kept in memory). Port 53 stays
# closed in the firewall (machine and mesh only). The HTTP API (blocking
# on/off, cache flush, Prometheus metrics at /metrics) listens on localhost.
profile "blocky" {
  summary  = "Ad- and tracker-blocking DNS forwarder for the private network"
  category = "dns"
  module   = "services.blocky"
  source   = "nixos/modules/services/networking/blocky.nix"
  upstream = "https://0xerr0r.github.io/blocky/"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "upstreams" {
    type        = list(string)
    default     = ["https://dns.quad9.net/dns-query", "https://cloudflare-dns.com/dns-query"]
    description = "Upstream resolvers: addresses, tcp-tls:host or https:// DoH URLs."
  }
  param "bootstrap" {
    type        = list(string)
    default     = ["9.9.9.9", "1.1.1.1"]
    description = "Plain DNS servers used once to resolve the upstreams' host names."
  }
  param "denylists" {
    type        = list(string)
    default     = ["https://raw.githubusercontent.com/StevenBlack/hosts/master/hosts"]
    description = "Block list URLs (hosts files, domain lists or regexes)."
  }
  param "http_port" {
    type        = number
    default     = 4000
    description = "Local port of the HTTP API and metrics."
  }

  expose "dns" {
    protocol = "udp"
    port     = 53
  }
  expose "dns-tcp" {
    protocol = "tcp"
    port     = 53
  }
  expose "api" {
    protocol = "tcp"
    port     = param.http_port
  }

  health {
    unit = "blocky.service"
  }

  example = {}

  nixos = {
    "services.blocky" = {
      enable = true
      settings = {
        ports = {
          dns  = 53
          http = "127.0.0.1:${param.http_port}"
        }
        upstreams = {
          groups   = { default = param.upstreams }
          strategy = "parallel_best"
        }
        bootstrapDns = [for ip in param.bootstrap : { upstream = ip }]
        blocking = {
          denylists         = { ads = param.denylists }
          clientGroupsBlock = { default = ["ads"] }
        }
        caching    = { prefetching = true }
        prometheus = { enable = true }
      }
    }
  }
}
