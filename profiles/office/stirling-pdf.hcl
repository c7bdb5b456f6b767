# Stirling-PDF: merge, split, convert, compress, OCR and sign PDF files in
# the browser; the files are processed on the server and not kept.
#
# - Stirling-PDF has no sign-in in this setup (its login feature is off):
#   anyone who reaches the domain can use it. Put it on an internal domain
#   or accept that.
# - Spring Boot reads SERVER_ADDRESS and SERVER_PORT from the environment:
#   it listens on localhost only.
profile "stirling-pdf" {
  summary  = "Web tools to merge, split, convert, OCR and sign PDF files"
  category = "office"
  module   = "services.stirling-pdf"
  source   = "nixos/modules/services/web-apps/stirling-pdf.nix"
  upstream = "https://www.stirlingpdf.com"
  license  = "MIT"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. pdf.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like pdf.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port Stirling-PDF listens on, behind the reverse proxy."
  }
  param "max_upload" {
    type        = string
    default     = "200M"
    description = "Largest file upload, like 200M or 1G."
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "stirling-pdf.service"
    http = "/"
  }

  example = { domain = "pdf.example.org" }

  nixos = {
    "services.stirling-pdf" = {
      enable = true
      environment = {
        SERVER_ADDRESS = "127.0.0.1"
        SERVER_PORT    = param.port
      }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.max_upload};" }
    }
  }
}
