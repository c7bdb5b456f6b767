# Ergo: a modern IRC server with built-in accounts (NickServ), history
# playback and always-on clients, in a single binary.
#
# - Clients connect with TLS on port 6697, using the Let's Encrypt
#   certificate nginx obtains for the domain (the http expose); ergo runs as
#   a dynamic user in the nginx group to read it, is reloaded when it is
#   renewed, and restarts until the first certificate is there.
# - Web clients (gamja, Kiwi IRC) connect with WebSocket at wss://<domain>/.
# - The module's plaintext listener on 6667 stays, but the firewall keeps it
#   closed.
# - Anyone can register a nick (the module's defaults): /msg NickServ
#   register <password>. Operators are added in settings.opers.
profile "ergochat" {
  summary  = "IRC server with accounts, history and WebSocket support"
  category = "chat"
  module   = "services.ergochat"
  source   = "nixos/modules/services/networking/ergochat.nix"
  upstream = "https://ergo.chat"
  license  = "MIT"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Host name of the server, e.g. irc.example.org. Its DNS record must point at the machine (for the certificate)."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like irc.example.org."
    }
  }
  param "network_name" {
    type        = string
    default     = "freecloud"
    description = "Name of the IRC network shown to clients."
  }
  param "websocket_port" {
    type        = number
    default     = 8097
    description = "Local WebSocket port, behind nginx."
  }

  # Accounts, channel registrations and history. DynamicUser: systemd keeps
  # the state directory in /var/lib/private.
  state {
    paths = ["/var/lib/private/ergo"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.websocket_port
  }
  expose "irc-tls" {
    protocol = "tcp"
    port     = 6697
    public   = true
  }

  health {
    unit = "ergochat.service"
  }

  example = { domain = "irc.example.org" }

  nixos = {
    "services.ergochat" = {
      enable = true
      settings = {
        network = { name = param.network_name }
        server = {
          name               = param.domain
          proxy-allowed-from = ["localhost"]
          listeners = {
            ":6697" = {
              tls = {
                cert = "/var/lib/acme/${param.domain}/fullchain.pem"
                key  = "/var/lib/acme/${param.domain}/key.pem"
              }
            }
            "127.0.0.1:${param.websocket_port}" = { websocket = true }
          }
        }
      }
    }
    "systemd.services.ergochat" = {
      serviceConfig = {
        SupplementaryGroups = ["nginx"]
        Restart             = "on-failure"
        RestartSec          = 30
      }
    }
    "security.acme.certs" = {
      (param.domain) = { reloadServices = ["ergochat.service"] }
    }
  }
}
