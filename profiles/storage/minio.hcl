# MinIO: S3-compatible object storage, one node with one data directory.
# Two web routes: the S3 API (for clients, SDKs, backup tools) and the
# console (the web UI).
#
# The root user is "admin"; its password is generated and read by MinIO
# from MINIO_ROOT_PASSWORD_FILE (MinIO reads *_FILE variables itself). The
# module's rootCredentialsFile wants KEY=value lines, which a generated
# secret is not. Beware: if that file were missing MinIO would silently fall
# back to minioadmin/minioadmin, hence the ordering before minio.service.
# Upstream has scaled the community edition back (source releases only, and
# a console that is an object browser): administer users, policies and
# buckets with `mc admin`. The NixOS package builds it from source.
profile "minio" {
  summary  = "MinIO S3-compatible object storage"
  category = "storage"
  module   = "services.minio"
  source   = "nixos/modules/services/web-servers/minio.nix"
  upstream = "https://min.io"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name of the S3 API, e.g. s3.example.org (path-style bucket URLs)."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like s3.example.org."
    }
  }
  param "console_domain" {
    type        = string
    description = "Public host name of the web console, e.g. minio.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.console_domain))
      error_message = "console_domain is a DNS name like minio.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 9000
    description = "Local port of the S3 API behind the reverse proxy. ClickHouse's native port defaults to 9000 too."
  }
  param "console_port" {
    type        = number
    default     = 9001
    description = "Local port of the console behind the reverse proxy."
  }

  secret "root_password" {
    generate    = "password"
    owner       = "minio"
    before      = ["minio.service"]
    description = "Password of the MinIO root user \"admin\""
  }

  # Objects and bucket metadata (data), server config and IAM (config).
  state {
    paths = ["/var/lib/minio"]
  }

  expose "s3" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "console" {
    protocol = "http"
    domain   = param.console_domain
    port     = param.console_port
  }

  # On the S3 API route.
  health {
    unit = "minio.service"
    http = "/minio/health/live"
  }

  example = { domain = "s3.example.org", console_domain = "minio.example.org" }

  nixos = {
    "services.minio" = {
      enable         = true
      listenAddress  = "127.0.0.1:${param.port}"
      consoleAddress = "127.0.0.1:${param.console_port}"
    }
    "systemd.services.minio" = {
      environment = {
        MINIO_ROOT_USER          = "admin"
        MINIO_ROOT_PASSWORD_FILE = secret.root_password
        # Public URLs, for presigned links and the console's redirects.
        MINIO_SERVER_URL           = "https://${param.domain}"
        MINIO_BROWSER_REDIRECT_URL = "https://${param.console_domain}"
      }
    }
    # nginx accepts 10 MiB request bodies by default; S3 uploads are
    # larger, so no limit and no buffering on the API's virtual host.
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        extraConfig = "client_max_body_size 0;\nproxy_request_buffering off;\n"
      }
    }
  }
}
