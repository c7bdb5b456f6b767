# nginx terminating HTTPS for the web services on its machine, with
# certificates from Let's Encrypt. It serves nothing by itself: each web
# profile adds its own virtual host, e.g.
#
#   "services.nginx.virtualHosts" = {
#     (param.domain) = {
#       forceSSL   = true
#       enableACME = true
#       locations  = { "/" = { proxyPass = "http://127.0.0.1:8080" } }
#     }
#   }
profile "reverse-proxy" {
  summary  = "nginx with HTTPS certificates from Let's Encrypt"
  category = "networking"
  module   = "services.nginx"
  source   = "nixos/modules/services/web-servers/nginx/default.nix"
  upstream = "https://nginx.org"
  license  = "BSD-2-Clause"
  maturity = "stable"

  param "acme_email" {
    type        = string
    description = "Contact address for the Let's Encrypt account (expiry and problem notices)."
  }

  # ACME account key and certificates: restoring them on a new machine
  # avoids re-issuing every certificate (Let's Encrypt rate limits).
  state {
    paths = ["/var/lib/acme"]
  }

  expose "http" {
    port   = 80
    public = true # ACME HTTP-01 challenges and the redirect to HTTPS
  }
  expose "https" {
    port   = 443
    public = true
  }

  example = { acme_email = "admin@example.org" }

  nixos = {
    "services.nginx" = {
      enable                   = true
      recommendedTlsSettings   = true
      recommendedOptimisation  = true
      recommendedGzipSettings  = true
      recommendedProxySettings = true
    }
    "security.acme" = {
      # Using this profile means accepting https://letsencrypt.org/repository/
      acceptTerms = true
      defaults    = { email = param.acme_email }
    }
  }
}
