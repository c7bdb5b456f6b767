# LanguageTool: spelling, grammar and style checks for 30+ languages,
# without sending texts to a third party. Browser add-ons, LibreOffice and
# other clients take a custom server URL: https://<domain>/v2
#
# Stateless: texts are checked and forgotten; the server keeps nothing on
# disk. Anyone who can reach the domain can use it.
#
# The model for a web app behind the reverse proxy: the app listens on
# localhost only; its http expose gives it an HTTPS virtual host on nginx.
profile "languagetool" {
  summary  = "Spelling and grammar checker for your own texts"
  category = "office"
  module   = "services.languagetool"
  source   = "nixos/modules/services/misc/languagetool.nix"
  upstream = "https://languagetool.org"
  license  = "LGPL-2.1-or-later"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name, e.g. lt.example.org. Its DNS record must point at the machine for the certificate."
  }
  param "port" {
    type        = number
    default     = 8081
    description = "Local port LanguageTool listens on, behind nginx. Change it if another service on the machine uses it."
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  example = { domain = "lt.example.org" }

  nixos = {
    "services.languagetool" = {
      enable = true
      port   = param.port
      # `public` stays false: only connections from this machine (nginx).
    }
  }
}
