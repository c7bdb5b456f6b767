# Apache Guacamole: remote desktop gateway. Users open
# https://<domain>/guacamole/ in a browser and get SSH, RDP or VNC sessions
# to machines behind this one, with no client software.
#
# Two parts: guacd (services.guacamole-server, the protocol proxy, on
# 127.0.0.1:4822) and the web application in Tomcat
# (services.guacamole-client, port 8080, behind nginx).
# Users and their connections come from user-mapping.xml, provided by the
# operator because it holds passwords (or their md5/sha256 hashes):
# https://guacamole.apache.org/doc/gug/configuring-guacamole.html#user-mapping-xml
profile "guacamole" {
  summary  = "Browser-based remote desktop gateway for SSH, RDP and VNC"
  category = "networking"
  module   = "services.guacamole-client"
  source   = "nixos/modules/services/web-apps/guacamole-client.nix"
  upstream = "https://guacamole.apache.org"
  license  = "Apache-2.0"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. remote.example.org."
  }

  # Tomcat reads it: /etc/guacamole/user-mapping.xml links here.
  secret "user_mapping" {
    provided    = true
    owner       = "tomcat"
    description = "Guacamole user-mapping.xml: users, passwords and their connections"
    before      = ["tomcat.service"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = 8080 # Tomcat's default connector
  }

  health {
    unit = "tomcat.service"
    http = "/guacamole/"
  }

  example = { domain = "remote.example.org" }

  nixos = {
    "services.guacamole-server" = {
      enable = true
      host   = "127.0.0.1"
      port   = 4822
    }
    "services.guacamole-client" = {
      enable          = true
      enableWebserver = true
      settings = {
        guacd-hostname = "127.0.0.1"
        guacd-port     = 4822
      }
      userMappingXml = secret.user_mapping
    }
  }
}
