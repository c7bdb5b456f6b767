# CryptPad: end-to-end encrypted collaborative documents, spreadsheets,
# kanban boards, forms and drive. The server only stores encrypted data.
#
# - CryptPad's security model needs two domains: the main one, and a
#   sandbox domain that serves the editors in an isolated origin. Both
#   need DNS records pointing at the machine.
# - The web server and its websocket listen on two local ports; the
#   profile routes / and /cryptpad_websocket of both domains to them.
# - Administrators are listed by their public signing key: sign up, copy
#   the key from the account's settings page, put it into admin_keys and
#   deploy again.
# - The module runs CryptPad with DynamicUser; data is under
#   /var/lib/private/cryptpad.
profile "cryptpad" {
  summary  = "End-to-end encrypted collaborative office suite"
  category = "office"
  module   = "services.cryptpad"
  source   = "nixos/modules/services/web-apps/cryptpad.nix"
  upstream = "https://cryptpad.org"
  license  = "AGPL-3.0-or-later"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Main public host name, e.g. pad.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like pad.example.org."
    }
  }
  param "sandbox_domain" {
    type        = string
    description = "Second host name for the sandboxed editors, e.g. pad-sandbox.example.org. Its DNS record must point at the machine too."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.sandbox_domain))
      error_message = "sandbox_domain is a DNS name like pad-sandbox.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port of the CryptPad web server."
  }
  param "websocket_port" {
    type        = number
    default     = 3003
    description = "Local port of the CryptPad websocket."
  }
  param "admin_keys" {
    type        = list(string)
    default     = []
    description = "Public signing keys of the administrators, like [\"[alice@pad.example.org/YZgXQ...=]\"]."
  }

  state {
    paths = ["/var/lib/private/cryptpad"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "websocket" {
    protocol = "http"
    domain   = param.domain
    path     = "/cryptpad_websocket"
    port     = param.websocket_port
  }
  expose "sandbox" {
    protocol = "http"
    domain   = param.sandbox_domain
    port     = param.port
  }
  expose "sandbox-websocket" {
    protocol = "http"
    domain   = param.sandbox_domain
    path     = "/cryptpad_websocket"
    port     = param.websocket_port
  }

  health {
    unit = "cryptpad.service"
    http = "/"
  }

  example = {
    domain         = "pad.example.org"
    sandbox_domain = "pad-sandbox.example.org"
  }

  nixos = {
    "services.cryptpad" = {
      enable = true
      settings = {
        httpUnsafeOrigin = "https://${param.domain}"
        httpSafeOrigin   = "https://${param.sandbox_domain}"
        httpAddress      = "127.0.0.1"
        httpPort         = param.port
        websocketPort    = param.websocket_port
        adminKeys        = param.admin_keys
      }
    }
    # Uploads to the drive are encrypted blocks of up to ~150 MB.
    "services.nginx.virtualHosts" = {
      (param.domain)         = { extraConfig = "client_max_body_size 150m;" }
      (param.sandbox_domain) = { extraConfig = "client_max_body_size 150m;" }
    }
  }
}
