# Pocket ID: a simple OpenID Connect provider where users sign in with
# passkeys only (no passwords). Good for a small organisation that wants
# single sign-on without running Keycloak.
#
# - First start: open https://<domain>/setup to create the first admin and
#   register a passkey. Then add users and OIDC clients in the web UI.
# - Storage: SQLite and the signing keys in /var/lib/pocket-id. The keys are
#   encrypted with the generated ENCRYPTION_KEY, which the module loads with
#   LoadCredential (so the file stays root's). Back up both together.
profile "pocket-id" {
  summary  = "Passkey-only OpenID Connect provider for your applications"
  category = "identity"
  module   = "services.pocket-id"
  source   = "nixos/modules/services/security/pocket-id.nix"
  upstream = "https://pocket-id.org"
  license  = "BSD-2-Clause"
  maturity = "beta"
  sso      = "none" # it is the identity provider

  param "domain" {
    type        = string
    description = "Public host name, e.g. id.example.org. Passkeys are bound to it: choose it once."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like id.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 1411
    description = "Local port behind the reverse proxy."
  }

  secret "encryption_key" {
    generate = "base64"
    length   = 32
    before   = ["pocket-id.service"]
  }

  state {
    paths = ["/var/lib/pocket-id"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "pocket-id.service"
    http = "/healthz"
  }

  example = { domain = "id.example.org" }

  nixos = {
    "services.pocket-id" = {
      enable = true
      settings = {
        APP_URL            = "https://${param.domain}"
        TRUST_PROXY        = true
        HOST               = "127.0.0.1"
        PORT               = param.port
        ANALYTICS_DISABLED = true
      }
      credentials = { ENCRYPTION_KEY = secret.encryption_key }
    }
  }
}
