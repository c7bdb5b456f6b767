# Authelia: login portal with two-factor authentication, and a forward-auth
# endpoint nginx can ask before serving a protected site. Also an OpenID
# Connect provider once clients are configured.
#
# One instance per machine, named "main": unit authelia-main.service, user
# authelia-main, state in /var/lib/authelia-main (the module derives them
# from the instance name).
#
# - Users: a YAML file, /var/lib/authelia-main/users.yml. On the first start
#   it is created with one user, "admin", whose password is the generated
#   admin_password (hashed with argon2id, never written in clear). Add users
#   with `authelia crypto hash generate` and edit the file; Authelia reloads
#   it (watch = true).
# - Storage: SQLite in the state directory. Notifications (password reset,
#   2FA enrolment) are written to notifications.txt there until an SMTP
#   notifier is configured.
# - The session cookie covers cookie_domain, so sites below it can use this
#   portal.
profile "authelia" {
  summary  = "Login portal with two-factor authentication for your web applications"
  category = "identity"
  module   = "services.authelia.instances"
  source   = "nixos/modules/services/security/authelia.nix"
  upstream = "https://www.authelia.com"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none" # it is the identity provider

  param "domain" {
    type        = string
    description = "Public host name of the portal, e.g. auth.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like auth.example.org."
    }
  }
  param "cookie_domain" {
    type        = string
    description = "Domain the session cookie is valid for, e.g. example.org: the portal and the sites it protects must be below it."
  }
  param "admin_email" {
    type        = string
    default     = "admin@example.org"
    description = "E-mail address of the initial user admin (2FA enrolment and password reset notices)."
  }
  param "default_policy" {
    type        = string
    default     = "two_factor"
    description = "Access policy for sites without a rule: one_factor, two_factor or deny."
    validation {
      condition     = contains(["one_factor", "two_factor", "deny"], param.default_policy)
      error_message = "default_policy is one_factor, two_factor or deny."
    }
  }
  param "port" {
    type        = number
    default     = 9091
    description = "Local port behind the reverse proxy."
  }

  # Authelia reads these files itself (…_FILE variables), as its own user.
  secret "jwt_secret" {
    generate = "password"
    length   = 64
    owner    = "authelia-main"
    before   = ["authelia-main.service"]
  }
  secret "storage_encryption_key" {
    generate = "password"
    length   = 64
    owner    = "authelia-main"
    before   = ["authelia-main.service"]
  }
  secret "session_secret" {
    generate = "password"
    length   = 64
    owner    = "authelia-main"
    before   = ["authelia-main.service"]
  }
  secret "admin_password" {
    generate    = "password"
    owner       = "authelia-main"
    before      = ["authelia-main.service"]
    description = "Initial password of the user admin, written (hashed) into users.yml on the first start"
  }

  state {
    paths = ["/var/lib/authelia-main"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "authelia-main.service"
    http = "/api/health"
  }

  example = { domain = "auth.example.org", cookie_domain = "example.org" }

  nixos = {
    "services.authelia.instances" = {
      main = {
        enable = true
        secrets = {
          jwtSecretFile            = secret.jwt_secret
          storageEncryptionKeyFile = secret.storage_encryption_key
          sessionSecretFile        = secret.session_secret
        }
        settings = {
          theme  = "auto"
          log    = { level = "info", format = "text" }
          server = { address = "tcp://127.0.0.1:${param.port}/" }
          authentication_backend = {
            file = { path = "/var/lib/authelia-main/users.yml", watch = true }
          }
          access_control = { default_policy = param.default_policy }
          session = {
            cookies = [{ domain = param.cookie_domain, authelia_url = "https://${param.domain}" }]
          }
          storage  = { local = { path = "/var/lib/authelia-main/db.sqlite3" } }
          notifier = { filesystem = { filename = "/var/lib/authelia-main/notifications.txt" } }
        }
      }
    }
    # Without a users file Authelia writes an example user with a known
    # password and stops; create the file first, with the generated password.
    "systemd.services.authelia-main" = {
      path     = [nix("pkgs.authelia")]
      preStart = <<-EOT
        if [ ! -e /var/lib/authelia-main/users.yml ]; then
          digest="$(authelia crypto hash generate argon2 --password "$(cat ${secret.admin_password})" | sed -n 's/^Digest: //p')"
          umask 077
          printf 'users:\n  admin:\n    displayname: "Administrator"\n    password: "%s"\n    email: "%s"\n    groups: [admins]\n' "$digest" '${param.admin_email}' > /var/lib/authelia-main/users.yml
        fi
      EOT
    }
  }
}
