# SearXNG: metasearch engine. Queries go to many search engines at once,
# without tracking or profiling the users; results are merged.
#
# Built-in HTTP server on localhost behind nginx, with the limiter (bot
# detection, rate limits) and its local Valkey, so that a public instance
# is not abused into getting blocked by the engines it queries.
#
# server.secret_key is read from an environment variable (the module
# envsubst-s settings.yml); a small unit turns the generated secret into
# that environment file before searx-init runs.
profile "searxng" {
  summary  = "Private metasearch engine"
  category = "search"
  module   = "services.searx"
  source   = "nixos/modules/services/networking/searx.nix"
  upstream = "https://docs.searxng.org"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. search.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like search.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8888
    description = "Local port behind the reverse proxy."
  }
  param "instance_name" {
    type        = string
    default     = "SearXNG"
    description = "Name shown in the page title."
  }

  secret "secret_key" {
    generate = "hex"
    length   = 32
    before   = ["searx-secret-env.service"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "searx.service"
    http = "/healthz"
  }

  example = { domain = "search.example.org" }

  nixos = {
    "services.searx" = {
      enable             = true
      redisCreateLocally = true
      environmentFile    = "/run/searx-secret-env/env"
      settings = {
        general = { instance_name = param.instance_name }
        server = {
          bind_address = "127.0.0.1"
          port         = param.port
          base_url     = "https://${param.domain}/"
          secret_key   = "$SEARX_SECRET_KEY"
          limiter      = true
          image_proxy  = true
        }
      }
      limiterSettings = {
        botdetection = {
          # nginx on this machine is the only client; it sends X-Forwarded-For.
          trusted_proxies = ["127.0.0.0/8", "::1"]
        }
      }
    }
    "systemd.services" = {
      searx-secret-env = {
        description = "SearXNG secret key as an environment file"
        before      = ["searx-init.service"]
        requiredBy  = ["searx-init.service"]
        serviceConfig = {
          Type                     = "oneshot"
          RemainAfterExit          = true
          RuntimeDirectory         = "searx-secret-env"
          RuntimeDirectoryMode     = "0700"
          RuntimeDirectoryPreserve = "yes"
          UMask                    = "0077"
        }
        script = "printf 'SEARX_SECRET_KEY=%s\\n' \"$(cat ${secret.secret_key})\" > /run/searx-secret-env/env"
      }
    }
  }
}
