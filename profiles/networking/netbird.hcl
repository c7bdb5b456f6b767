# NetBird client: joins the machine to a NetBird network (netbird.io or a
# self-hosted management server) so peers reach it over WireGuard.
#
# The module runs one named client; the profile uses the name "netbird", so
# the unit is netbird.service, the CLI is `netbird` and the state (WireGuard
# key, peer config) is /var/lib/netbird. netbird-login.service logs in with
# a setup key read through LoadCredential (root-owned file).
# The self-hosted NetBird server (services.netbird.server) is not a profile:
# it needs an external OIDC provider configured before it starts.
profile "netbird" {
  summary  = "Join the machine to a NetBird WireGuard network"
  category = "networking"
  module   = "services.netbird"
  source   = "nixos/modules/services/networking/netbird.nix"
  upstream = "https://netbird.io"
  license  = "BSD-3-Clause"
  maturity = "beta"
  sso      = "none"

  param "management_url" {
    type        = string
    default     = "https://api.netbird.io:443"
    description = "Management server URL; change it for a self-hosted NetBird."
    validation {
      condition     = can(regex("^https?://", param.management_url))
      error_message = "management_url is a URL like https://netbird.example.org:443."
    }
  }
  param "port" {
    type        = number
    default     = 51820
    description = "UDP port for direct WireGuard connections between peers."
  }
  param "routing" {
    type        = string
    default     = "none"
    description = "Routing features: none, client (use routes and exit nodes), server (be a routing peer) or both."
    validation {
      condition     = contains(["none", "client", "server", "both"], param.routing)
      error_message = "routing is one of none, client, server, both."
    }
  }

  secret "setup_key" {
    provided    = true
    description = "NetBird setup key (dashboard: Setup Keys) used for the first, unattended login"
    before      = ["netbird-login.service"]
  }

  state {
    paths = ["/var/lib/netbird"]
  }

  expose "wireguard" {
    protocol = "udp"
    port     = param.port
    public   = true
  }

  health {
    unit = "netbird.service"
  }

  example = {}

  nixos = {
    "services.netbird" = {
      useRoutingFeatures = param.routing
      clients = {
        netbird = {
          port         = param.port
          openFirewall = false # the expose above opens it
          login = {
            enable       = true
            setupKeyFile = secret.setup_key
          }
          # Read by `netbird up` (NB_<FLAG> environment variables).
          environment = { NB_MANAGEMENT_URL = param.management_url }
        }
      }
    }
  }
}
