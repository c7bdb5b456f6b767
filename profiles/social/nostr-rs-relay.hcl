# nostr-rs-relay: a Nostr relay, storing and forwarding signed notes for
# Nostr clients over WebSocket at wss://<domain>/. SQLite, behind nginx.
#
# The module replaces settings.network with its own (port only), so the
# relay binds all addresses: the firewall keeps the port closed and nginx
# is the way in. Anyone can publish by default; restrict writers with
# settings.authorization.pubkey_whitelist.
profile "nostr-rs-relay" {
  summary  = "Nostr relay"
  category = "social"
  module   = "services.nostr-rs-relay"
  source   = "nixos/modules/services/web-apps/nostr-rs-relay.nix"
  upstream = "https://sr.ht/~gheartsfield/nostr-rs-relay/"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. relay.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like relay.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 12849
    description = "Local port of the relay, behind nginx."
  }
  param "name" {
    type        = string
    default     = "nostr relay"
    description = "Relay name announced to clients (NIP-11)."
  }
  param "contact" {
    type        = string
    default     = ""
    description = "Administrative contact announced to clients, e.g. mailto:admin@example.org."
  }
  param "pubkey_whitelist" {
    type        = list(string)
    default     = []
    description = "Hex public keys allowed to publish; empty: anyone."
  }

  # SQLite database. DynamicUser: systemd keeps the state directory in
  # /var/lib/private.
  state {
    paths = ["/var/lib/private/nostr-rs-relay"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "nostr-rs-relay.service"
  }

  example = { domain = "relay.example.org" }

  nixos = {
    "services.nostr-rs-relay" = {
      enable = true
      port   = param.port
      settings = {
        info = {
          relay_url = "wss://${param.domain}/"
          name      = param.name
          contact   = param.contact
        }
        authorization = { pubkey_whitelist = param.pubkey_whitelist }
      }
    }
  }
}
