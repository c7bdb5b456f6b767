# ntfy: push notifications over HTTP. Scripts and servers send with a plain
# `curl -d "backup done" https://<domain>/mytopic`; phones and browsers
# subscribe with the ntfy app or web UI.
#
# Access is closed by default (default_access = "deny-all"): create users
# and grant topics on the machine, e.g.
#   ntfy user add --role=admin alice
#   ntfy access bob 'alerts*' read-only
# The ntfy command finds the configuration in /etc/ntfy/server.yml.
profile "ntfy-sh" {
  summary  = "Push notifications to phones and desktops over HTTP"
  category = "chat"
  module   = "services.ntfy-sh"
  source   = "nixos/modules/services/misc/ntfy-sh.nix"
  upstream = "https://ntfy.sh"
  license  = "Apache-2.0"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. ntfy.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like ntfy.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 2586
    description = "Local port ntfy listens on, behind nginx."
  }
  param "default_access" {
    type        = string
    default     = "deny-all"
    description = "Access to topics for anyone without an account: deny-all, read-only, write-only or read-write."
    validation {
      condition     = contains(["deny-all", "read-only", "write-only", "read-write"], param.default_access)
      error_message = "default_access is one of deny-all, read-only, write-only, read-write."
    }
  }
  param "attachment_limit" {
    type        = string
    default     = "15M"
    description = "Largest attachment, like 15M (ntfy and nginx)."
  }

  # User database, message cache and attachments. DynamicUser: systemd
  # keeps the state directory in /var/lib/private.
  state {
    paths = ["/var/lib/private/ntfy-sh"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "ntfy-sh.service"
    http = "/v1/health"
  }

  example = { domain = "ntfy.example.org" }

  nixos = {
    "services.ntfy-sh" = {
      enable = true
      settings = {
        base-url                   = "https://${param.domain}"
        listen-http                = "127.0.0.1:${param.port}"
        behind-proxy               = true
        auth-default-access        = param.default_access
        attachment-file-size-limit = param.attachment_limit
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.attachment_limit};" }
    }
  }
}
