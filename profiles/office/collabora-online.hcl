# Collabora Online: LibreOffice in the browser, for Nextcloud and other
# WOPI hosts. It stores nothing itself: the WOPI host (e.g. Nextcloud with
# the "Nextcloud Office" app) opens documents in it.
#
# - coolwsd listens on localhost without TLS (ssl.enable = false,
#   ssl.termination = true): nginx terminates HTTPS and proxies the
#   websockets.
# - Only the hosts in wopi_hosts may open documents in it (alias groups).
#   In Nextcloud, set the URL of the Collabora server to https://<domain>.
profile "collabora-online" {
  summary  = "LibreOffice-based online office suite for Nextcloud and other WOPI hosts"
  category = "office"
  module   = "services.collabora-online"
  source   = "nixos/modules/services/web-apps/collabora-online.nix"
  upstream = "https://www.collaboraonline.com"
  license  = "MPL-2.0"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. collabora.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like collabora.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 9980
    description = "Local port of coolwsd, behind the reverse proxy."
  }
  param "wopi_hosts" {
    type        = list(string)
    description = "URLs of the WOPI hosts allowed to use this server, e.g. [\"https://cloud.example.org\"]."
    validation {
      condition     = length(param.wopi_hosts) > 0 && alltrue([for h in param.wopi_hosts : can(regex("^https?://", h))])
      error_message = "wopi_hosts lists at least one URL, like https://cloud.example.org."
    }
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "coolwsd.service"
    http = "/hosting/discovery"
  }

  example = {
    domain     = "collabora.example.org"
    wopi_hosts = ["https://cloud.example.org"]
  }

  nixos = {
    "services.collabora-online" = {
      enable      = true
      port        = param.port
      aliasGroups = [for h in param.wopi_hosts : { host = h }]
      settings = {
        server_name = param.domain
        ssl         = { enable = false, termination = true }
        net         = { listen = "loopback" }
      }
    }
  }
}
