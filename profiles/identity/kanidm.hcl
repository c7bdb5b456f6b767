# Kanidm: identity management with OAuth2/OIDC, passkeys, RADIUS and an
# LDAPS gateway, in one Rust server with its own database.
#
# - Kanidm only speaks HTTPS, even behind a proxy. It uses the Let's
#   Encrypt certificate nginx obtains for the domain (group nginx may read
#   it), and nginx proxies to it with https://. On renewal Kanidm restarts.
# - The Kanidm domain is the host name itself (user names become
#   name@<domain>). Changing it later is a migration: choose it once.
# - Accounts: after the first start, reset the built-in administrators:
#     kanidmd recover-account idm_admin   (people and groups)
#     kanidmd recover-account admin       (the server itself)
# - Online backups: one a night, seven kept, in /var/lib/kanidm/backups.
# - The package is pinned: Kanidm upgrades one minor version at a time.
profile "kanidm" {
  summary  = "Identity management with OAuth2/OIDC single sign-on and passkeys"
  category = "identity"
  module   = "services.kanidm"
  source   = "nixos/modules/services/security/kanidm.nix"
  upstream = "https://kanidm.com"
  license  = "MPL-2.0"
  maturity = "beta"
  sso      = "none" # it is the identity provider

  param "domain" {
    type        = string
    description = "Public host name, e.g. idm.example.org; also the Kanidm domain."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like idm.example.org."
    }
  }
  param "version" {
    type        = string
    default     = "1_10"
    description = "Kanidm minor version (pkgs.kanidm_<version>). Upgrade one step at a time."
  }
  param "port" {
    type        = number
    default     = 8443
    description = "Local HTTPS port behind the reverse proxy."
  }

  state {
    paths = ["/var/lib/kanidm"]
  }

  # nginx serves the domain and proxies to Kanidm's HTTPS port (below).
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "kanidm.service"
    http = "/status"
  }

  example = { domain = "idm.example.org" }

  nixos = {
    "services.kanidm" = {
      package = nix("pkgs.kanidm_${param.version}")
      server = {
        enable = true
        settings = {
          domain        = param.domain
          origin        = "https://${param.domain}"
          bindaddress   = "127.0.0.1:${param.port}"
          tls_chain     = "/var/lib/acme/${param.domain}/fullchain.pem"
          tls_key       = "/var/lib/acme/${param.domain}/key.pem"
          online_backup = { versions = 7 }
        }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { proxyPass = "https://127.0.0.1:${param.port}" } }
      }
    }
    "systemd.services.kanidm" = {
      # acme-<domain> puts a certificate in place before anything uses it.
      wants         = ["acme-${param.domain}.service"]
      after         = ["acme-${param.domain}.service"]
      serviceConfig = { SupplementaryGroups = ["nginx"] }
    }
    "security.acme.certs" = {
      (param.domain) = { reloadServices = ["kanidm.service"] }
    }
  }
}
