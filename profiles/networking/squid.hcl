# Squid: caching forward proxy for machines of the organisation (HTTP and
# HTTPS via CONNECT), e.g. for build hosts or networks without direct
# internet access. Clients use http://<machine>:3128 as proxy.
#
# The module's configuration allows clients from private networks (RFC 1918,
# ULA, link-local) and localhost only, and denies CONNECT to ports other than
# 443. The port stays closed in the firewall: reachable from the machine
# itself and the private network/mesh, never an open proxy.
profile "squid" {
  summary  = "Caching HTTP forward proxy for the organisation's machines"
  category = "networking"
  module   = "services.squid"
  source   = "nixos/modules/services/networking/squid.nix"
  upstream = "https://www.squid-cache.org"
  license  = "GPL-2.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 3128
    description = "Proxy port."
  }
  param "extra_config" {
    type        = string
    default     = ""
    description = "Extra squid.conf lines, inserted before the final allow/deny rules (e.g. acl and http_access lines)."
  }

  expose "proxy" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "squid.service"
  }

  example = {}

  nixos = {
    "services.squid" = {
      enable      = true
      proxyPort   = param.port
      extraConfig = param.extra_config
    }
  }
}
