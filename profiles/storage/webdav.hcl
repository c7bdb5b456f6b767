# A WebDAV file server (hacdias/webdav): one directory, one user, mountable
# from file managers (Finder, Windows Explorer, Nautilus), rclone and
# backup tools at https://<domain>/.
#
# The user's password is generated on the host. The server reads it from
# an environment variable ({env}WEBDAV_PASSWORD in its config), and a
# generated secret is a bare value, not a KEY=value environment file, so a
# small unit writes that file (root-only, in /run) before webdav.service.
profile "webdav" {
  summary  = "WebDAV file server"
  category = "storage"
  module   = "services.webdav"
  source   = "nixos/modules/services/network-filesystems/webdav.nix"
  upstream = "https://github.com/hacdias/webdav"
  license  = "MIT"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name, e.g. dav.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like dav.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 6065
    description = "Local port behind the reverse proxy."
  }
  param "user" {
    type        = string
    default     = "webdav"
    description = "User name to log in with."
  }

  secret "password" {
    generate    = "password"
    before      = ["webdav-env.service"]
    description = "Password of the WebDAV user"
  }

  state {
    paths = ["/var/lib/webdav"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "webdav.service"
  }

  example = { domain = "dav.example.org" }

  nixos = {
    "services.webdav" = {
      enable          = true
      environmentFile = "/run/webdav-env/env"
      settings = {
        address     = "127.0.0.1"
        port        = param.port
        behindProxy = true
        directory   = "/var/lib/webdav"
        permissions = "CRUD"
        users = [
          {
            username = param.user
            password = "{env}WEBDAV_PASSWORD"
          },
        ]
      }
    }
    "systemd.services.webdav-env" = {
      description = "Environment file with the WebDAV password"
      before      = ["webdav.service"]
      requiredBy  = ["webdav.service"]
      serviceConfig = {
        Type                     = "oneshot"
        RemainAfterExit          = true
        RuntimeDirectory         = "webdav-env"
        RuntimeDirectoryMode     = "0700"
        RuntimeDirectoryPreserve = true
      }
      script = <<-EOT
        umask 077
        printf 'WEBDAV_PASSWORD=%s\n' "$(cat ${secret.password})" > /run/webdav-env/env
      EOT
    }
    "systemd.tmpfiles.settings" = {
      "10-webdav" = {
        "/var/lib/webdav" = {
          d = { user = "webdav", group = "webdav", mode = "0750" }
        }
      }
    }
  }
}
