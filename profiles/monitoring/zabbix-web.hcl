# The Zabbix web interface (PHP), for the zabbix-server profile on the
# same machine: it reads the server's database and talks to the server on
# localhost.
#
# - Served by the machine's nginx through PHP-FPM; the module defines the
#   virtual host, so the http expose has no port: freecloud adds HTTPS.
# - PostgreSQL through the local socket as role "zabbix" (the PHP pool
#   runs as user zabbix; peer auth).
# - First login: user "Admin", password "zabbix" (Zabbix's default). Change
#   it right away.
profile "zabbix-web" {
  summary  = "Web interface of the Zabbix monitoring server"
  category = "monitoring"
  module   = "services.zabbixWeb"
  source   = "nixos/modules/services/web-apps/zabbix.nix"
  upstream = "https://www.zabbix.com"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "ldap" # LDAP and SAML, set up in the web interface
  requires = ["zabbix-server"]

  param "domain" {
    type        = string
    description = "Public host name, e.g. zabbix.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like zabbix.example.org."
    }
  }
  param "server_port" {
    type        = number
    default     = 10051
    description = "Port of the Zabbix server on this machine (its `port`)."
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-zabbix.service"
    http = "/"
  }

  example = { domain = "zabbix.example.org" }

  nixos = {
    "services.zabbixWeb" = {
      enable   = true
      frontend = "nginx"
      hostname = param.domain
      database = {
        type = "pgsql"
        host = ""
        name = "zabbix"
        user = "zabbix"
      }
      server = { address = "127.0.0.1", port = param.server_port }
    }
  }
}
