# SilverBullet: a Markdown notebook in the browser, programmable with Lua,
# that keeps the notes as plain .md files.
#
# - SilverBullet has no accounts: without SB_USER anyone who reaches the
#   domain can read and change every note. The profile therefore requires
#   the operator to provide an environment file with one line
#     SB_USER=alice:a-long-password
#   (`freecloud secrets set <service> auth_env`). systemd reads it as root.
# - The space (the notes) is /var/lib/silverbullet.
profile "silverbullet" {
  summary  = "Programmable Markdown notebook that keeps notes as plain files"
  category = "knowledge"
  module   = "services.silverbullet"
  source   = "nixos/modules/services/web-apps/silverbullet.nix"
  upstream = "https://silverbullet.md"
  license  = "MIT"
  maturity = "beta"
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
    default     = 3000
    description = "Local port SilverBullet listens on, behind the reverse proxy."
  }

  secret "auth_env" {
    provided    = true
    before      = ["silverbullet.service"]
    description = "Environment file with the line SB_USER=<user>:<password>, the single account of the notebook"
  }

  state {
    paths = ["/var/lib/silverbullet"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "silverbullet.service"
  }

  example = { domain = "notes.example.org" }

  nixos = {
    "services.silverbullet" = {
      enable        = true
      listenAddress = "127.0.0.1"
      listenPort    = param.port
      envFile       = secret.auth_env
    }
  }
}
