# Jenkins: the automation server, for CI/CD pipelines and scheduled jobs.
#
# - Listens on localhost behind nginx; builds run on this machine as user
#   jenkins, with git, bash and coreutils on the PATH (the `packages`
#   parameter adds more; plugins that need tools find them there).
# - First start: unlock with the password in
#   /var/lib/jenkins/secrets/initialAdminPassword, then the setup wizard
#   installs plugins and creates the admin account. Plugins are managed in
#   the web interface (services.jenkins.plugins stays null).
# - Build agents on other machines connect over HTTPS (WebSocket agents).
profile "jenkins" {
  summary  = "Automation server for CI/CD pipelines"
  category = "forges"
  module   = "services.jenkins"
  source   = "nixos/modules/services/continuous-integration/jenkins/default.nix"
  upstream = "https://www.jenkins.io"
  license  = "MIT"
  maturity = "stable"
  sso      = "oidc" # with the OpenID Connect Authentication plugin

  param "domain" {
    type        = string
    description = "Public host name, e.g. ci.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like ci.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8080
    description = "Local port Jenkins listens on, behind nginx."
  }
  param "packages" {
    type        = list(string)
    default     = []
    description = "Extra nixpkgs attribute names on the PATH of builds, e.g. [\"nodejs\", \"gnumake\"]."
    validation {
      condition     = can(regex("^[A-Za-z0-9_.-]*$", join("", param.packages)))
      error_message = "packages are nixpkgs attribute names like nodejs or python3Packages.pip."
    }
  }

  # Jobs, build history, plugins, credentials (encrypted with keys in
  # secrets/): all of it is JENKINS_HOME.
  state {
    paths = ["/var/lib/jenkins"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "jenkins.service"
    http = "/login"
  }

  example = { domain = "ci.example.org" }

  nixos = {
    "services.jenkins" = {
      enable        = true
      listenAddress = "127.0.0.1"
      port          = param.port
      packages      = nix(format("with pkgs; [ bash coreutils git gnutar gzip %s ]", join(" ", param.packages)))
    }
  }
}
