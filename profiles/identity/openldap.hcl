# OpenLDAP: the reference LDAP server, for directories that need its schema
# flexibility, replication or overlays. For a simple users-and-groups
# directory with a web interface, LLDAP or Portunus is easier.
#
# - One MDB database for base_dn in /var/lib/openldap/data, with the core,
#   cosine, inetorgperson and nis schemas.
# - The root DN cn=admin,<base_dn> has the generated password. slapadd
#   loads the configuration as the openldap user, which reads the file.
# - Configuration is declarative (mutableConfig = false): cn=config is
#   rebuilt from this profile on every start. The directory data is not:
#   add the base entry and your users with ldapadd, e.g.
#     ldapadd -x -D cn=admin,dc=example,dc=org -y <secret file> -f base.ldif
# - Listens on ldap:/// (389, firewall closed unless opened) and ldapi:///
#   (the socket, for root via SASL EXTERNAL).
profile "openldap" {
  summary  = "OpenLDAP directory server"
  category = "identity"
  module   = "services.openldap"
  source   = "nixos/modules/services/databases/openldap.nix"
  upstream = "https://www.openldap.org"
  license  = "OLDAP-2.8"
  maturity = "stable"
  sso      = "none" # it is the directory others log in through

  param "base_dn" {
    type        = string
    description = "Suffix of the directory, e.g. dc=example,dc=org."
    validation {
      condition     = can(regex("^(dc|o|ou)=[^,]+(,(dc|o|ou)=[^,]+)*$", param.base_dn))
      error_message = "base_dn looks like dc=example,dc=org."
    }
  }

  secret "root_password" {
    generate    = "password"
    owner       = "openldap"
    before      = ["openldap.service"]
    description = "Password of the root DN cn=admin,<base_dn>"
  }

  state {
    paths = ["/var/lib/openldap"]
  }

  expose "ldap" {
    protocol = "tcp"
    port     = 389
  }

  health {
    unit = "openldap.service"
  }

  example = { base_dn = "dc=example,dc=org" }

  nixos = {
    "services.openldap" = {
      enable  = true
      urlList = ["ldap:///", "ldapi:///"]
      settings = {
        attrs = { olcLogLevel = "stats" }
        children = {
          "cn=schema" = {
            includes = [
              nix("\"$${pkgs.openldap}/etc/schema/core.ldif\""),
              nix("\"$${pkgs.openldap}/etc/schema/cosine.ldif\""),
              nix("\"$${pkgs.openldap}/etc/schema/inetorgperson.ldif\""),
              nix("\"$${pkgs.openldap}/etc/schema/nis.ldif\""),
            ]
          }
          "olcDatabase={-1}frontend" = {
            attrs = {
              objectClass = "olcDatabaseConfig"
              olcDatabase = "{-1}frontend"
              # root over the ldapi socket manages everything
              olcAccess = ["{0}to * by dn.exact=uidNumber=0+gidNumber=0,cn=peercred,cn=external,cn=auth manage stop by * none break"]
            }
          }
          "olcDatabase={0}config" = {
            attrs = {
              objectClass = "olcDatabaseConfig"
              olcDatabase = "{0}config"
              olcAccess   = ["{0}to * by * none break"]
            }
          }
          "olcDatabase={1}mdb" = {
            attrs = {
              objectClass    = ["olcDatabaseConfig", "olcMdbConfig"]
              olcDatabase    = "{1}mdb"
              olcDbDirectory = "/var/lib/openldap/data"
              olcSuffix      = param.base_dn
              olcRootDN      = "cn=admin,${param.base_dn}"
              olcRootPW      = { path = secret.root_password }
              olcDbIndex     = ["objectClass eq", "cn pres,eq", "uid pres,eq", "mail pres,eq", "sn pres,eq,subany"]
              olcAccess = [
                "{0}to attrs=userPassword by self write by anonymous auth by * none",
                "{1}to * by users read by * none",
              ]
            }
          }
        }
      }
    }
  }
}
