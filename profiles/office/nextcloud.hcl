# Nextcloud on PostgreSQL behind the machine's nginx.
#
# The NixOS module does most of the wiring itself, and the profile uses it:
# - database.createLocally creates the database and role "nextcloud" in the
#   local PostgreSQL and connects through the socket with peer auth, so
#   there is no database password;
# - it defines the nginx virtual host for hostName (PHP-FPM, headers,
#   upload size); the http expose only adds HTTPS to it;
# - it runs a Redis instance for locking and caching (configureRedis).
# The Nextcloud version follows system.stateVersion (26.05: Nextcloud 33).
# Nextcloud upgrades one major version at a time: when moving to a newer
# one, set services.nextcloud.package one step at a time.
profile "nextcloud" {
  summary  = "Files, calendars and contacts"
  category = "office"
  module   = "services.nextcloud"
  source   = "nixos/modules/services/web-apps/nextcloud.nix"
  upstream = "https://nextcloud.com"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name, e.g. cloud.example.org. Its DNS record must point at the machine for the certificate."
  }
  param "max_upload" {
    type        = string
    default     = "1G"
    description = "Largest upload, like 512M or 16G. Also PHP's memory limit (a module choice)."
  }
  param "phone_region" {
    type        = string
    default     = ""
    description = "ISO 3166-1 country code for phone numbers written without one, e.g. DE."
  }

  # The admin account "root" gets this password on the first setup only.
  # nextcloud-setup.service reads it through LoadCredential, as root, so the
  # file stays root-owned.
  secret "admin_password" {
    generate = "password"
    before   = ["nextcloud-setup.service"]
  }

  state {
    paths     = ["/var/lib/nextcloud"]
    databases = ["postgresql:nextcloud"]
  }

  # The NixOS module defines the nginx virtual host itself (no port here);
  # freecloud makes it HTTPS-only with a Let's Encrypt certificate.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  example = { domain = "cloud.example.org" }

  nixos = {
    "services.nextcloud" = {
      enable        = true
      hostName      = param.domain
      https         = true # links and HSTS; nginx terminates TLS
      maxUploadSize = param.max_upload
      database      = { createLocally = true }
      config = {
        dbtype        = "pgsql"
        adminpassFile = secret.admin_password
      }
      settings = { default_phone_region = param.phone_region }
    }
  }
}
