# Typesense: typo-tolerant search engine with a REST API (instant search,
# facets, geo and vector search) for websites and apps.
#
# The admin API key is generated on the machine; applications get scoped
# keys made with it (POST /keys), front-ends a search-only key. The module
# reads the key file in its start script as a dynamic user, so the profile
# hands it over as a systemd credential: the file stays root-owned.
profile "typesense" {
  summary  = "Typo-tolerant search engine API for websites and apps"
  category = "search"
  module   = "services.typesense"
  source   = "nixos/modules/services/search/typesense.nix"
  upstream = "https://typesense.org"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name of the API, e.g. typesense.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like typesense.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8108
    description = "Local port behind the reverse proxy."
  }
  param "max_upload" {
    type        = string
    default     = "100m"
    description = "Largest request body nginx passes on (document imports), in nginx syntax."
  }

  secret "api_key" {
    generate = "hex"
    length   = 32
    before   = ["typesense.service"]
  }

  state {
    paths = ["/var/lib/typesense"]
  }

  expose "api" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "typesense.service"
    http = "/health"
  }

  example = { domain = "typesense.example.org" }

  nixos = {
    "services.typesense" = {
      enable = true
      # $CREDENTIALS_DIRECTORY of typesense.service, filled by LoadCredential below.
      apiKeyFile = "/run/credentials/typesense.service/api_key"
      settings = {
        server = {
          api-address = "127.0.0.1"
          api-port    = param.port
        }
      }
    }
    "systemd.services" = {
      typesense = { serviceConfig = { LoadCredential = ["api_key:${secret.api_key}"] } }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
