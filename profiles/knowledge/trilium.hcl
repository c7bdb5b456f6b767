# Trilium Notes (TriliumNext): hierarchical personal notes with rich text,
# code, canvases and scripting; the desktop and mobile apps sync with it.
#
# - The server keeps everything in one SQLite database under
#   /var/lib/trilium, and makes its own daily/weekly/monthly backups there
#   too (noBackup = false).
# - The first visitor of https://<domain> chooses the password: open the
#   site right after the first deploy.
# - The module's own nginx option is left off: freecloud proxies to the
#   local port (websockets included).
profile "trilium" {
  summary  = "Hierarchical note-taking server that the Trilium apps sync with"
  category = "knowledge"
  module   = "services.trilium-server"
  source   = "nixos/modules/services/web-apps/trilium.nix"
  upstream = "https://github.com/TriliumNext/Trilium"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. notes.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like notes.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port Trilium listens on, behind the reverse proxy."
  }

  state {
    paths = ["/var/lib/trilium"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "trilium-server.service"
    http = "/api/health-check"
  }

  example = { domain = "notes.example.org" }

  nixos = {
    "services.trilium-server" = {
      enable = true
      host   = "127.0.0.1"
      port   = param.port
    }
  }
}
