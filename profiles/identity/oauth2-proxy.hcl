# OAuth2 Proxy: puts an OpenID Connect login in front of web applications
# that have none. nginx asks it (auth_request) or proxies through it; it
# redirects unknown visitors to the identity provider (Keycloak, Dex,
# Authelia, Pocket ID…) and passes the user's name and e-mail upstream.
#
# This profile runs it as a proxy: https://<domain> is the protected site,
# oauth2-proxy forwards authenticated requests to `upstream` (an
# application on this machine or the mesh). Register the client at the
# identity provider with the redirect URL https://<domain>/oauth2/callback.
profile "oauth2-proxy" {
  summary  = "OpenID Connect login in front of applications that have none"
  category = "identity"
  module   = "services.oauth2-proxy"
  source   = "nixos/modules/services/security/oauth2-proxy.nix"
  upstream = "https://oauth2-proxy.github.io/oauth2-proxy/"
  license  = "MIT"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name of the protected site, e.g. app.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like app.example.org."
    }
  }
  param "upstream" {
    type        = string
    description = "URL of the application behind the login, e.g. http://127.0.0.1:8080."
  }
  param "issuer_url" {
    type        = string
    description = "OIDC issuer URL of the identity provider, e.g. https://id.example.org/realms/main."
  }
  param "client_id" {
    type        = string
    description = "Client ID registered at the identity provider."
  }
  param "email_domains" {
    type        = list(string)
    default     = ["*"]
    description = "E-mail domains allowed in; [\"*\"] lets in everyone the identity provider authenticates."
  }
  param "port" {
    type        = number
    default     = 4180
    description = "Local port behind the reverse proxy."
  }

  # Both read through LoadCredential: root-owned files are fine.
  secret "client_secret" {
    provided    = true
    description = "Client secret registered at the identity provider"
    before      = ["oauth2-proxy.service"]
  }
  secret "cookie_secret" {
    generate = "hex" # 16 random bytes as 32 characters: a valid AES key length
    length   = 16
    before   = ["oauth2-proxy.service"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "oauth2-proxy.service"
    http = "/ping"
  }

  example = {
    domain     = "app.example.org"
    upstream   = "http://127.0.0.1:8080"
    issuer_url = "https://id.example.org/realms/main"
    client_id  = "app"
  }

  nixos = {
    "services.oauth2-proxy" = {
      enable           = true
      provider         = "oidc"
      oidcIssuerUrl    = param.issuer_url
      clientID         = param.client_id
      clientSecretFile = secret.client_secret
      cookie           = { secretFile = secret.cookie_secret, secure = true }
      email            = { domains = param.email_domains }
      httpAddress      = "http://127.0.0.1:${param.port}"
      redirectURL      = "https://${param.domain}/oauth2/callback"
      upstream         = [param.upstream]
      reverseProxy     = true
      trustedProxyIP   = ["127.0.0.1/32", "::1/128"] # nginx on this machine
      setXauthrequest  = true
    }
  }
}
