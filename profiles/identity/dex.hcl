# Dex: an OpenID Connect provider in front of an existing LDAP directory
# (LLDAP, OpenLDAP, Active Directory…). Applications log in with OIDC;
# Dex checks the user's password against LDAP and maps LDAP groups to the
# `groups` claim. It keeps no users of its own.
#
# - Defaults fit LLDAP on the same machine (localhost:3890, ou=people,
#   ou=groups); for another directory set the LDAP parameters.
# - Storage (signing keys, refresh tokens): PostgreSQL. freecloud creates
#   database and role "dex"; the module runs Dex as the dynamic user dex,
#   which logs in over /run/postgresql with peer authentication.
# - Secrets: Dex expands $VARIABLES from an environment file. The operator
#   provides that file: LDAP_BIND_PW=<password of bind_dn> and one line
#   DEX_CLIENT_<ID>=<secret> per client (ID upper-cased, - becomes _).
profile "dex" {
  summary  = "OpenID Connect login for your applications, backed by your LDAP directory"
  category = "identity"
  module   = "services.dex"
  source   = "nixos/modules/services/web-apps/dex.nix"
  upstream = "https://dexidp.io"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "ldap" # users sign in with their LDAP accounts

  param "domain" {
    type        = string
    description = "Public host name, e.g. login.example.org. The issuer is https://<domain>."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like login.example.org."
    }
  }
  param "base_dn" {
    type        = string
    description = "Base DN of the directory, e.g. dc=example,dc=org."
  }
  param "ldap_host" {
    type        = string
    default     = "localhost:3890"
    description = "LDAP server as host:port."
  }
  param "ldap_insecure" {
    type        = bool
    default     = true
    description = "Plain LDAP without TLS. Only acceptable when ldap_host is on this machine."
  }
  param "bind_dn" {
    type        = string
    default     = ""
    description = "DN Dex binds as to search users; empty means uid=admin,ou=people,<base_dn> (LLDAP's admin)."
  }
  param "users_ou" {
    type        = string
    default     = "ou=people"
    description = "Where the users are, relative to base_dn."
  }
  param "groups_ou" {
    type        = string
    default     = "ou=groups"
    description = "Where the groups are, relative to base_dn."
  }
  param "clients" {
    type = list(object({
      id            = string
      name          = string
      redirect_uris = list(string)
    }))
    default     = []
    description = "OIDC clients (applications). Each one's secret is DEX_CLIENT_<ID> in the environment file."
  }
  param "port" {
    type        = number
    default     = 5556
    description = "Local port behind the reverse proxy."
  }

  secret "environment" {
    provided    = true
    description = "Environment file: LDAP_BIND_PW=… and DEX_CLIENT_<ID>=… lines"
    before      = ["dex.service"]
  }

  state {
    databases = ["postgresql:dex"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "dex.service"
    http = "/healthz"
  }

  example = { domain = "login.example.org", base_dn = "dc=example,dc=org" }

  nixos = {
    "services.dex" = {
      enable          = true
      environmentFile = secret.environment
      settings = {
        issuer           = "https://${param.domain}"
        web              = { http = "127.0.0.1:${param.port}" }
        enablePasswordDB = false
        storage = {
          type = "postgres"
          config = {
            host     = "/run/postgresql"
            database = "dex"
            user     = "dex"
            ssl      = { mode = "disable" }
          }
        }
        oauth2 = { skipApprovalScreen = true }
        connectors = [{
          type = "ldap"
          id   = "ldap"
          name = "LDAP"
          config = {
            host           = param.ldap_host
            insecureNoSSL  = param.ldap_insecure
            bindDN         = param.bind_dn != "" ? param.bind_dn : "uid=admin,${param.users_ou},${param.base_dn}"
            bindPW         = "$LDAP_BIND_PW"
            usernamePrompt = "User name"
            userSearch = {
              baseDN                = "${param.users_ou},${param.base_dn}"
              filter                = "(objectClass=person)"
              username              = "uid"
              idAttr                = "uid"
              emailAttr             = "mail"
              nameAttr              = "cn"
              preferredUsernameAttr = "uid"
            }
            groupSearch = {
              baseDN       = "${param.groups_ou},${param.base_dn}"
              filter       = "(objectClass=groupOfUniqueNames)"
              userMatchers = [{ userAttr = "DN", groupAttr = "member" }]
              nameAttr     = "cn"
            }
          }
        }]
        staticClients = [for c in param.clients : {
          id           = c.id
          name         = c.name
          redirectURIs = c.redirect_uris
          secretEnv    = "DEX_CLIENT_${upper(replace(c.id, "-", "_"))}"
        }]
      }
    }
  }
}
