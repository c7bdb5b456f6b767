# FreshRSS: a feed reader for one person or a small group, with the Google
# Reader and Fever APIs for mobile apps.
#
# - The module defines the nginx virtual host (PHP-FPM) named by
#   virtualHost; the profile names it after the domain and only adds HTTPS.
# - Data (SQLite databases per user, caches) is in /var/lib/freshrss; a
#   timer fetches the feeds every five minutes.
# - The account `admin_user` gets the generated password; it is applied
#   again at each start of freshrss-config.service.
# - Mobile apps need an API password, set by each user in their profile,
#   and api = true.
profile "freshrss" {
  summary  = "Self-hosted feed reader (RSS and Atom) with mobile app APIs"
  category = "productivity"
  module   = "services.freshrss"
  source   = "nixos/modules/services/web-apps/freshrss.nix"
  upstream = "https://freshrss.org"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. rss.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like rss.example.org."
    }
  }
  param "admin_user" {
    type        = string
    default     = "admin"
    description = "Name of the first (administrator) account."
    validation {
      condition     = can(regex("^[a-zA-Z0-9_]+$", param.admin_user))
      error_message = "FreshRSS user names are letters, digits and underscores."
    }
  }
  param "api" {
    type        = bool
    default     = false
    description = "Whether to enable the Google Reader and Fever APIs for mobile apps."
  }
  param "language" {
    type        = string
    default     = "en"
    description = "Default interface language, e.g. en, de, fr."
  }

  # Read by freshrss-config.service as freshrss (cat).
  secret "admin_password" {
    generate    = "password"
    owner       = "freshrss"
    before      = ["freshrss-config.service"]
    description = "Password of the administrator account"
  }

  state {
    paths = ["/var/lib/freshrss"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-freshrss.service"
    http = "/"
  }

  example = { domain = "rss.example.org" }

  nixos = {
    "services.freshrss" = {
      enable       = true
      baseUrl      = "https://${param.domain}"
      virtualHost  = param.domain
      webserver    = "nginx"
      defaultUser  = param.admin_user
      passwordFile = secret.admin_password
      language     = param.language
      api          = { enable = param.api }
    }
  }
}
