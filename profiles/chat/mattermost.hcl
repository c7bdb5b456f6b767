# Mattermost Team Edition: Slack-like team chat with channels, threads,
# file sharing and integrations, on PostgreSQL behind nginx.
#
# The module connects over the socket with peer authentication (database.
# peerAuth) as the system user mattermost, the same database and role that
# state.databases creates; its own database.create is ensure-style and
# orders mattermost after PostgreSQL, so it stays on.
#
# The configuration comes from Nix and is rewritten at every start
# (mutableConfig = false): changes made in the System Console do not
# survive a restart. The first account created in the web UI becomes the
# system admin: create it right after the first deploy.
profile "mattermost" {
  summary  = "Team chat with channels, threads and integrations"
  category = "chat"
  module   = "services.mattermost"
  source   = "nixos/modules/services/web-apps/mattermost.nix"
  upstream = "https://mattermost.com"
  license  = "AGPL-3.0-only"
  maturity = "stable"
  # OpenID Connect, SAML and LDAP are Enterprise features.
  sso = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. chat.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like chat.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8065
    description = "Local port Mattermost listens on, behind nginx."
  }
  param "site_name" {
    type        = string
    default     = "Mattermost"
    description = "Name shown on the login page and in e-mails."
  }
  param "max_upload" {
    type        = string
    default     = "100M"
    description = "Largest file upload through nginx, like 100M. Mattermost's own limit is set in FileSettings.MaxFileSize (bytes)."
  }

  # Uploaded files and plugins; the configuration is regenerated.
  state {
    paths     = ["/var/lib/mattermost"]
    databases = ["postgresql:mattermost"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "mattermost.service"
    http = "/api/v4/system/ping"
  }

  example = { domain = "chat.example.org" }

  nixos = {
    "services.mattermost" = {
      enable        = true
      siteUrl       = "https://${param.domain}"
      siteName      = param.site_name
      host          = "127.0.0.1"
      port          = param.port
      mutableConfig = false
      database = {
        create   = true
        peerAuth = true
        name     = "mattermost"
        user     = "mattermost"
      }
      telemetry = { enableDiagnostics = false }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
