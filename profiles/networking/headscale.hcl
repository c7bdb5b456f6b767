# Headscale: a self-hosted Tailscale control server. Tailscale clients
# (the `tailscale` profile, phones, laptops) log in with
#   --login-server https://<domain>
# and form one private WireGuard mesh; traffic goes directly between the
# devices or through Tailscale's public DERP relays, never through this
# server.
#
# Headscale listens on localhost behind nginx (the Noise control protocol is
# an HTTP upgrade, which the websocket-capable proxy passes through). State
# is one SQLite database plus the server's Noise key: losing the key
# disconnects every device.
#
# Users and pre-auth keys are made on the machine:
#   headscale users create alice
#   headscale preauthkeys create --user <id> --expiration 1h
# OIDC login (settings.oidc.*) is left out: it needs a client secret that
# only an identity provider can issue.
profile "headscale" {
  summary  = "Self-hosted Tailscale control server for a private WireGuard mesh"
  category = "networking"
  module   = "services.headscale"
  source   = "nixos/modules/services/networking/headscale.nix"
  upstream = "https://headscale.net"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name clients use as login server, e.g. hs.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like hs.example.org."
    }
  }
  param "base_domain" {
    type        = string
    default     = "tailnet.internal"
    description = "MagicDNS suffix: devices are reachable as <device>.<base_domain>. Must differ from domain."
  }
  param "port" {
    type        = number
    default     = 8085
    description = "Local port behind the reverse proxy."
  }
  param "metrics_port" {
    type        = number
    default     = 9098
    description = "Local port of the Prometheus metrics endpoint (headscale's own default, 9090, is Prometheus's)."
  }

  state {
    paths = ["/var/lib/headscale"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "metrics" {
    protocol = "tcp"
    port     = param.metrics_port
  }

  health {
    unit = "headscale.service"
    http = "/health"
  }

  example = { domain = "hs.example.org" }

  nixos = {
    "services.headscale" = {
      enable  = true
      address = "127.0.0.1"
      port    = param.port
      settings = {
        server_url          = "https://${param.domain}"
        metrics_listen_addr = "127.0.0.1:${param.metrics_port}"
        dns = {
          magic_dns   = true
          base_domain = param.base_domain
          # Keep the devices' own resolvers: overriding them would need a
          # list of global nameservers pushed to every client.
          override_local_dns = false
        }
      }
    }
  }
}
