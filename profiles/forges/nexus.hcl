# Sonatype Nexus Repository (OSS): one artifact store for Maven, npm, PyPI,
# NuGet, Docker, raw files and more, hosted or as a caching proxy of the
# public registries.
#
# - Listens on localhost behind nginx (the module's default address).
# - First login: user "admin", password in
#   /var/lib/sonatype-work/nexus3/admin.password; the wizard then sets a new
#   one and removes the file.
# - The JVM gets 1.2 GB of heap (module default): plan 2-3 GB of RAM.
# - Docker repositories need their own connector port; not configured here.
profile "nexus" {
  summary  = "Artifact repository for Maven, npm, PyPI and more"
  category = "forges"
  module   = "services.nexus"
  source   = "nixos/modules/services/web-apps/nexus.nix"
  upstream = "https://www.sonatype.com/products/sonatype-nexus-oss"
  license  = "EPL-1.0"
  maturity = "beta"
  sso      = "ldap" # LDAP realms in the OSS edition; SAML is Pro only

  param "domain" {
    type        = string
    description = "Public host name, e.g. repo.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like repo.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8081
    description = "Local port Nexus listens on, behind nginx."
  }

  # Blob stores, the embedded database and the configuration.
  state {
    paths = ["/var/lib/sonatype-work"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "nexus.service"
    http = "/service/rest/v1/status"
  }

  example = { domain = "repo.example.org" }

  nixos = {
    "services.nexus" = {
      enable        = true
      listenAddress = "127.0.0.1"
      listenPort    = param.port
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = {
        locations = { "/" = { extraConfig = "client_max_body_size 1g;" } }
      }
    }
  }
}
