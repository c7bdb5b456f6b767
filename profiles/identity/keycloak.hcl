# Keycloak: identity and access management (OpenID Connect, SAML, user
# federation from LDAP) on PostgreSQL, behind the machine's nginx.
#
# - Database: freecloud creates the database and role "keycloak". Keycloak
#   runs as the (dynamic) user keycloak and connects over the socket
#   /run/postgresql with peer authentication, so there is no database
#   password. A socket host needs the two junixsocket plugins (module
#   documentation). database.createLocally is off: the module's own
#   creation sets a password from passwordFile, which we do not have.
# - Admin: on the first start (empty master realm) Keycloak creates the
#   temporary admin "admin" with the generated password. The module reads
#   `_secret` settings through LoadCredential, so the value reaches neither
#   the Nix store nor the environment. Create a permanent admin in the
#   console and delete the temporary one.
# - Applications log in through https://<domain>/realms/<realm>.
profile "keycloak" {
  summary  = "Single sign-on with OpenID Connect and SAML for your applications"
  category = "identity"
  module   = "services.keycloak"
  source   = "nixos/modules/services/web-apps/keycloak.nix"
  upstream = "https://www.keycloak.org"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none" # it is the identity provider

  param "domain" {
    type        = string
    description = "Public host name, e.g. id.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like id.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8180
    description = "Local HTTP port behind the reverse proxy."
  }

  secret "admin_password" {
    generate    = "password"
    before      = ["keycloak.service"]
    description = "Password of the temporary admin account \"admin\", used on the first start only"
  }

  # Realms, users and sessions all live in the database.
  state {
    databases = ["postgresql:keycloak"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "keycloak.service"
    http = "/realms/master"
  }

  example = { domain = "id.example.org" }

  nixos = {
    "services.keycloak" = {
      enable = true
      database = {
        type          = "postgresql"
        createLocally = false
        host          = "/run/postgresql"
        name          = "keycloak"
        username      = "keycloak"
      }
      plugins = [
        nix("pkgs.keycloak.plugins.junixsocket-common"),
        nix("pkgs.keycloak.plugins.junixsocket-native-common"),
      ]
      settings = {
        hostname      = "https://${param.domain}"
        http-host     = "127.0.0.1"
        http-port     = param.port
        http-enabled  = true # TLS ends at nginx
        proxy-headers = "xforwarded"
        # Only used while the master realm is empty.
        bootstrap-admin-username = "admin"
        bootstrap-admin-password = { _secret = secret.admin_password }
      }
    }
    # The module orders keycloak after PostgreSQL only when it creates the
    # database itself.
    "systemd.services.keycloak" = {
      after    = ["postgresql.target"]
      requires = ["postgresql.target"]
    }
  }
}
