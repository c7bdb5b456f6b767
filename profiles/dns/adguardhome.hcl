# AdGuard Home: network-wide ad and tracker blocking DNS server with a web
# interface (query log, statistics, block lists, per-client rules).
#
# The web interface is behind nginx at https://<domain>; DNS on port 53
# stays closed in the firewall (machine and mesh only, never an open
# resolver). Declared settings skip the setup wizard and are merged into
# the configuration on every start; changes made in the web interface to
# other settings are kept.
#
# The admin password is given as a bcrypt hash (htpasswd -nbB admin 'pw' |
# cut -d: -f2): AdGuard Home reads users only from its YAML file, which is
# built in the Nix store, so the hash, never the password, ends up there,
# as with users.users.<name>.hashedPassword.
profile "adguardhome" {
  summary  = "Ad-blocking DNS server with a web interface"
  category = "dns"
  module   = "services.adguardhome"
  source   = "nixos/modules/services/networking/adguardhome.nix"
  upstream = "https://adguard.com/adguard-home/overview.html"
  license  = "GPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name of the web interface, e.g. dns.example.org."
  }
  param "port" {
    type        = number
    default     = 3000
    description = "Local port of the web interface, behind the reverse proxy."
  }
  param "admin_user" {
    type        = string
    default     = "admin"
    description = "Name of the web interface account."
  }
  param "admin_password_hash" {
    type        = string
    description = "bcrypt hash of the account's password ($2y$... or $2a$...), e.g. from htpasswd -nbB."
    validation {
      condition     = can(regex("^\\$2[aby]\\$[0-9]{2}\\$.{53}$", param.admin_password_hash))
      error_message = "admin_password_hash is a bcrypt hash like $2y$10$... (htpasswd -nbB admin 'password' | cut -d: -f2)."
    }
  }
  param "upstreams" {
    type        = list(string)
    default     = ["https://dns.quad9.net/dns-query", "https://cloudflare-dns.com/dns-query"]
    description = "Upstream resolvers: addresses, tls:// or https:// URLs."
  }

  state {
    paths = ["/var/lib/AdGuardHome"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "dns" {
    protocol = "udp"
    port     = 53
  }
  expose "dns-tcp" {
    protocol = "tcp"
    port     = 53
  }

  health {
    unit = "adguardhome.service"
    http = "/login.html"
  }

  example = {
    domain              = "dns.example.org"
    admin_password_hash = "$2y$10$YCd1Cy.Ld06NAsbXrzIFZu7JSdSmrY2EvO.ST2SZNaq4AKz.W9SrO"
  }

  nixos = {
    "services.adguardhome" = {
      enable          = true
      host            = "127.0.0.1"
      port            = param.port
      openFirewall    = false
      mutableSettings = true
      settings = {
        users = [{ name = param.admin_user, password = param.admin_password_hash }]
        dns = {
          bind_hosts    = ["0.0.0.0"]
          port          = 53
          upstream_dns  = param.upstreams
          bootstrap_dns = ["9.9.9.10", "149.112.112.10"]
        }
      }
    }
  }
}
