# DokuWiki: a wiki that keeps its pages as plain text files, no database.
#
# - The module serves the site from its own nginx virtual host (PHP-FPM),
#   named after the site: the site is keyed by the domain, and the profile
#   only adds HTTPS.
# - Access: anonymous visitors may read (or nothing, public_read = false),
#   signed-in users may edit and upload, members of the group "admin" are
#   superusers. Self-registration is off.
# - There is no account at first. Add one by appending a line to
#   /var/lib/dokuwiki/<domain>/users.auth.php:
#     login:HASH:Full Name:mail@example.org:admin,user
#   with HASH from `mkpasswd -m sha-512`. Further accounts can then be made
#   in the admin area (User Manager).
# - The ACL is in the Nix store (generated from this profile), so it cannot
#   be changed in the admin area.
profile "dokuwiki" {
  summary  = "Wiki that stores pages as plain text files, no database needed"
  category = "knowledge"
  module   = "services.dokuwiki"
  source   = "nixos/modules/services/web-apps/dokuwiki.nix"
  upstream = "https://www.dokuwiki.org"
  license  = "GPL-2.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. wiki.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like wiki.example.org."
    }
  }
  param "title" {
    type        = string
    default     = "Wiki"
    description = "Title shown in the page header."
  }
  param "public_read" {
    type        = bool
    default     = true
    description = "Whether visitors who are not signed in may read the wiki."
  }

  # One directory per site: pages, media, history, users.auth.php.
  state {
    paths = ["/var/lib/dokuwiki"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  # The login page answers 200 whether or not visitors may read.
  health {
    http = "/doku.php?do=login"
  }

  example = { domain = "wiki.example.org" }

  nixos = {
    "services.dokuwiki" = {
      webserver = "nginx"
      sites = {
        (param.domain) = {
          settings = {
            title          = param.title
            useacl         = true
            superuser      = "@admin"
            disableactions = ["register"]
          }
          acl = [
            { page = "*", actor = "@ALL", level = param.public_read ? "read" : "none" },
            { page = "*", actor = "@user", level = "upload" },
          ]
        }
      }
    }
  }
}
