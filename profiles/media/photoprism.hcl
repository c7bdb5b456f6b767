# PhotoPrism: browse, organise and share a photo collection, with
# automatic tagging, face recognition, places and albums.
#
# - The module runs PhotoPrism with DynamicUser and needs the originals
#   folder to exist before the service starts. The profile declares a
#   static user and group "photoprism" (systemd then runs the service as
#   that user instead of a dynamic one) and creates originals_dir owned by
#   it.
# - The account "admin" gets the generated password (read through
#   LoadCredential, so the file stays root's). The index is an SQLite
#   database in /var/lib/photoprism (PhotoPrism recommends MariaDB for very
#   large libraries).
# - Files dropped into <originals_dir>/import can be imported from the
#   library page.
profile "photoprism" {
  summary  = "Photo library with automatic tagging, places, faces and albums"
  category = "media"
  module   = "services.photoprism"
  source   = "nixos/modules/services/web-apps/photoprism.nix"
  upstream = "https://www.photoprism.app"
  license  = "AGPL-3.0-only"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. photos.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like photos.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 2342
    description = "Local port PhotoPrism listens on, behind the reverse proxy."
  }
  param "originals_dir" {
    type        = string
    default     = "/var/lib/photoprism-originals"
    description = "Folder with the original photos and videos. The state lists the default; back up another folder separately."
    validation {
      condition     = can(regex("^/", param.originals_dir))
      error_message = "originals_dir is an absolute path."
    }
  }
  param "max_upload" {
    type        = string
    default     = "4G"
    description = "Largest upload through the reverse proxy, like 500M or 4G."
  }

  secret "admin_password" {
    generate    = "password"
    before      = ["photoprism.service"]
    description = "Password of the PhotoPrism account admin"
  }

  # Index database, sidecar files, thumbnails cache, and the originals.
  state {
    paths = ["/var/lib/private/photoprism", "/var/lib/photoprism-originals"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "photoprism.service"
    http = "/api/v1/status"
  }

  example = { domain = "photos.example.org" }

  nixos = {
    "services.photoprism" = {
      enable        = true
      address       = "127.0.0.1"
      port          = param.port
      originalsPath = param.originals_dir
      passwordFile  = secret.admin_password
      settings = {
        PHOTOPRISM_SITE_URL   = "https://${param.domain}/"
        PHOTOPRISM_ADMIN_USER = "admin"
      }
    }
    "users.users" = {
      photoprism = { isSystemUser = true, group = "photoprism" }
    }
    "users.groups" = {
      photoprism = {}
    }
    "systemd.tmpfiles.settings" = {
      photoprism-originals = {
        (param.originals_dir) = {
          d = { user = "photoprism", group = "photoprism", mode = "0750" }
        }
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
