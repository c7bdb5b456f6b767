# Tailscale client: joins the machine to a tailnet, either Tailscale's
# hosted service or a self-hosted Headscale (login_server), so the other
# devices of the tailnet reach it over WireGuard without open ports.
#
# The machine logs in unattended with a pre-auth key (tailscaled-autoconnect
# reads it as root); after the first login the node key lives in
# /var/lib/tailscale and the auth key is no longer needed.
# UDP 41641 is opened for direct connections; without it traffic still
# flows, through the DERP relays.
profile "tailscale" {
  summary  = "Join the machine to a Tailscale or Headscale mesh network"
  category = "networking"
  module   = "services.tailscale"
  source   = "nixos/modules/services/networking/tailscale.nix"
  upstream = "https://tailscale.com"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  param "login_server" {
    type        = string
    default     = ""
    description = "Control server URL, e.g. https://hs.example.org for Headscale. Empty: Tailscale's hosted service."
    validation {
      condition     = param.login_server == "" || can(regex("^https?://", param.login_server))
      error_message = "login_server is empty or a URL like https://hs.example.org."
    }
  }
  param "routing" {
    type        = string
    default     = "none"
    description = "Routing features: none, client (use exit nodes and subnet routes), server (advertise them) or both."
    validation {
      condition     = contains(["none", "client", "server", "both"], param.routing)
      error_message = "routing is one of none, client, server, both."
    }
  }
  param "up_flags" {
    type        = list(string)
    default     = []
    description = "Extra flags for `tailscale up`, e.g. [\"--ssh\", \"--advertise-tags=tag:server\"]."
  }

  secret "auth_key" {
    provided    = true
    description = "Pre-auth key for unattended login (Tailscale admin console, or `headscale preauthkeys create`)"
    before      = ["tailscaled-autoconnect.service"]
  }

  state {
    paths = ["/var/lib/tailscale"]
  }

  expose "wireguard" {
    protocol = "udp"
    port     = 41641
    public   = true
  }

  health {
    unit = "tailscaled.service"
  }

  example = {}

  nixos = {
    "services.tailscale" = {
      enable             = true
      port               = 41641
      openFirewall       = false # the expose above opens it
      authKeyFile        = secret.auth_key
      useRoutingFeatures = param.routing
      extraUpFlags       = concat(compact([param.login_server == "" ? "" : "--login-server=${param.login_server}"]), param.up_flags)
      # No debug logs to Tailscale Inc.: they are useless with Headscale.
      disableUpstreamLogging = true
    }
  }
}
