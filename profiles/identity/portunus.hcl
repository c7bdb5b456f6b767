# Portunus: user and group management with a web interface, serving the
# directory over LDAP with an OpenLDAP it runs itself. Applications that
# speak LDAP authenticate against it.
#
# - Users and groups live in /var/lib/portunus (JSON); Portunus rebuilds
#   the LDAP database from it on every start.
# - The first admin is seeded: user "admin" in the group "admins" (Portunus
#   and LDAP read permissions), password from the generated file, read by
#   Portunus (user portunus) at start. Seeded objects are fixed: add the
#   real users in the web UI.
# - LDAP listens on port 389 (firewall closed unless opened). Entries are
#   uid=<name>,ou=users,<suffix> and cn=<group>,ou=groups,<suffix>.
#   Applications bind with a user that has the LDAP read permission.
# - Portunus runs slapd as the user openldap: do not put it on the same
#   machine as the openldap profile.
profile "portunus" {
  summary  = "Users and groups with a web interface, served over LDAP"
  category = "identity"
  module   = "services.portunus"
  source   = "nixos/modules/services/misc/portunus.nix"
  upstream = "https://github.com/majewsky/portunus"
  license  = "GPL-3.0-or-later"
  maturity = "beta"
  sso      = "none" # it is the directory others log in through

  param "domain" {
    type        = string
    description = "Public host name of the web interface, e.g. users.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like users.example.org."
    }
  }
  param "suffix" {
    type        = string
    description = "Suffix of the LDAP directory, e.g. dc=example,dc=org."
    validation {
      condition     = can(regex("^(dc|o|ou)=[^,]+(,(dc|o|ou)=[^,]+)*$", param.suffix))
      error_message = "suffix looks like dc=example,dc=org."
    }
  }
  param "admin_email" {
    type        = string
    default     = "admin@example.org"
    description = "E-mail address of the seeded admin user."
  }
  param "port" {
    type        = number
    default     = 8380
    description = "Local port of the web interface behind the reverse proxy."
  }

  secret "admin_password" {
    generate    = "password"
    owner       = "portunus"
    before      = ["portunus.service"]
    description = "Password of the seeded user admin"
  }

  state {
    paths = ["/var/lib/portunus"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "ldap" {
    protocol = "tcp"
    port     = 389
  }

  health {
    unit = "portunus.service"
  }

  example = { domain = "users.example.org", suffix = "dc=example,dc=org" }

  nixos = {
    "services.portunus" = {
      enable = true
      domain = param.domain
      port   = param.port
      ldap   = { suffix = param.suffix }
      seedSettings = {
        users = [{
          login_name  = "admin"
          given_name  = "Initial"
          family_name = "Administrator"
          email       = param.admin_email
          password    = { from_command = [nix("\"$${pkgs.coreutils}/bin/cat\""), secret.admin_password] }
        }]
        groups = [{
          name        = "admins"
          long_name   = "Portunus administrators"
          members     = ["admin"]
          permissions = { portunus = { is_admin = true }, ldap = { can_read = true } }
        }]
      }
    }
  }
}
