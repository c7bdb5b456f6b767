# Matomo: full-featured web analytics (goals, funnels, e-commerce,
# imports from Google Analytics), on MariaDB.
#
# The module defines the nginx virtual host (PHP-FPM, the locations Matomo
# needs, deny rules) for `domain`; the profile only adds HTTPS. Reports
# are archived hourly by a timer, so browser-triggered archiving can be
# turned off in the settings.
#
# Matomo has no unattended setup: right after the first deploy, open
# https://<domain> and finish the installer (database server "localhost",
# user "matomo", no password: the socket and unix_socket authentication
# identify the PHP-FPM user), then create the super user. Until then,
# anyone reaching the site could run the installer.
profile "matomo" {
  summary  = "Full-featured web analytics, the open alternative to Google Analytics"
  category = "analytics"
  module   = "services.matomo"
  source   = "nixos/modules/services/web-apps/matomo.nix"
  upstream = "https://matomo.org"
  license  = "GPL-3.0-or-later"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. analytics.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like analytics.example.org."
    }
  }

  state {
    paths     = ["/var/lib/matomo"]
    databases = ["mysql:matomo"]
  }

  # The module serves its own virtual host: no port, freecloud adds TLS.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-matomo.service"
    http = "/matomo.js"
  }

  example = { domain = "analytics.example.org" }

  nixos = {
    "services.matomo" = {
      enable                    = true
      hostname                  = param.domain
      nginx                     = {}
      periodicArchiveProcessing = true
    }
  }
}
