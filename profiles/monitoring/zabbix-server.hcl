# Zabbix server: enterprise-style monitoring of hosts, network devices and
# services through Zabbix agents, SNMP, IPMI and checks of its own. The web
# interface is the zabbix-web profile, on the same machine.
#
# - PostgreSQL through the local socket as role "zabbix" (peer auth). The
#   module's createLocally stays on: it ensures the same database and role
#   as freecloud, and loads the Zabbix schema on first start.
# - Agents in active mode connect to port 10051, which listens on all
#   addresses and stays closed in the firewall to the internet
#   (`public = true` opens it for agents elsewhere).
profile "zabbix-server" {
  summary  = "Zabbix monitoring server"
  category = "monitoring"
  module   = "services.zabbixServer"
  source   = "nixos/modules/services/monitoring/zabbix-server.nix"
  upstream = "https://www.zabbix.com"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none" # SAML and LDAP are configured in the web interface

  param "port" {
    type        = number
    default     = 10051
    description = "Trapper port agents and proxies connect to."
  }
  param "public" {
    type        = bool
    default     = false
    description = "Open the trapper port in the firewall, for agents on other networks."
  }

  state {
    paths     = ["/var/lib/zabbix"]
    databases = ["postgresql:zabbix"]
  }

  expose "trapper" {
    protocol = "tcp"
    port     = param.port
    public   = param.public
  }

  health {
    unit = "zabbix-server.service"
  }

  example = {}

  nixos = {
    "services.zabbixServer" = {
      enable = true
      database = {
        type          = "pgsql"
        createLocally = true
        name          = "zabbix"
        user          = "zabbix"
      }
      listen = { ip = "0.0.0.0", port = param.port }
    }
  }
}
