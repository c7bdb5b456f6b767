# cgit: a fast, read-only web view of Git repositories, with anonymous
# clones over HTTPS (git-http-backend, the smart protocol).
#
# - Shows every repository found under /var/lib/git (scan-path). Put bare
#   repositories there, readable by user cgit, e.g.
#     sudo -u cgit git clone --mirror https://example.org/x.git /var/lib/git/x.git
#   Pushing is not cgit's job: use SSH to the machine, or a forge.
# - Everything under /var/lib/git is public, to browse and to clone.
# - The module defines the nginx virtual host itself (FastCGI through
#   fcgiwrap), so the http expose has no port: freecloud adds HTTPS to it.
profile "cgit" {
  summary  = "Read-only web view of Git repositories"
  category = "forges"
  module   = "services.cgit"
  source   = "nixos/modules/services/networking/cgit.nix"
  upstream = "https://git.zx2c4.com/cgit/about/"
  license  = "GPL-2.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. src.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like src.example.org."
    }
  }
  param "title" {
    type        = string
    default     = "Git repositories"
    description = "Title shown at the top of the index page."
  }

  state {
    paths = ["/var/lib/git"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    http = "/"
  }

  example = { domain = "src.example.org" }

  nixos = {
    "services.cgit" = {
      (service.name) = {
        enable   = true
        scanPath = "/var/lib/git"
        nginx    = { virtualHost = param.domain, location = "/" }
        # Clones serve every repository under scanPath, like the web view.
        gitHttpBackend = { enable = true, checkExportOkFiles = false }
        settings = {
          root-title        = param.title
          enable-http-clone = true
          clone-url         = "https://${param.domain}/$CGIT_REPO_URL"
        }
      }
    }
    "systemd.tmpfiles.settings" = {
      cgit = {
        "/var/lib/git" = {
          d = { user = "cgit", group = "cgit", mode = "0755" }
        }
      }
    }
  }
}
