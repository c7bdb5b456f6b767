# The Lounge: a web IRC client that stays connected, so users find their
# channels and history when they come back, from any browser or phone.
#
# Private mode (public = false): every user has an account. Add them on the
# machine as the service user:
#   sudo -u thelounge thelounge add alice
profile "thelounge" {
  summary  = "Always-connected web IRC client"
  category = "chat"
  module   = "services.thelounge"
  source   = "nixos/modules/services/networking/thelounge.nix"
  upstream = "https://thelounge.chat"
  license  = "MIT"
  maturity = "stable"
  sso      = "ldap"

  param "domain" {
    type        = string
    description = "Public host name, e.g. irc.example.org. Its DNS record must point at the machine."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like irc.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 9000
    description = "Local port The Lounge listens on, behind nginx."
  }

  # Users, their networks and logs.
  state {
    paths = ["/var/lib/thelounge"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "thelounge.service"
    http = "/"
  }

  example = { domain = "irc.example.org" }

  nixos = {
    "services.thelounge" = {
      enable = true
      public = false
      port   = param.port
      extraConfig = {
        host         = "127.0.0.1"
        reverseProxy = true # client addresses from X-Forwarded-For
      }
    }
  }
}
