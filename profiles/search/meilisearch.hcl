# Meilisearch: fast, typo-tolerant search engine with a REST API, to add
# search to websites and apps (instant search, facets, filters).
#
# Runs in production mode, so every route needs a key: the master key is
# generated on the machine; applications get scoped API keys created with
# it (GET /keys lists the default search and admin keys). The API is public
# at https://<domain> for front-ends that search with a search-only key.
# Upgrades between versions migrate the database in place (the module's
# dumpless upgrade).
profile "meilisearch" {
  summary  = "Fast, typo-tolerant search engine API for websites and apps"
  category = "search"
  module   = "services.meilisearch"
  source   = "nixos/modules/services/search/meilisearch.nix"
  upstream = "https://www.meilisearch.com"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name of the API, e.g. search-api.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like search-api.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 7700
    description = "Local port behind the reverse proxy."
  }
  param "max_upload" {
    type        = string
    default     = "100m"
    description = "Largest request body nginx passes on (document batches), in nginx syntax."
  }

  # At least 16 bytes in production; read through LoadCredential (root).
  secret "master_key" {
    generate = "base64"
    length   = 32
    before   = ["meilisearch.service"]
  }

  state {
    paths = ["/var/lib/meilisearch"]
  }

  expose "api" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "meilisearch.service"
    http = "/health"
  }

  example = { domain = "search-api.example.org" }

  nixos = {
    "services.meilisearch" = {
      enable        = true
      listenAddress = "127.0.0.1"
      listenPort    = param.port
      masterKeyFile = secret.master_key
      settings = {
        env          = "production"
        no_analytics = true
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
