# Mastodon: microblogging on the fediverse (ActivityPub), on PostgreSQL and
# Redis, served by the module's own nginx virtual host.
#
# The NixOS module does the wiring and the profile uses it:
# - database.createLocally: database and role "mastodon" in the local
#   PostgreSQL over the socket with peer auth (ensure-style, the same
#   database state.databases lists);
# - redis.createLocally: a Redis instance "mastodon" on a Unix socket;
# - configureNginx: the virtual host for localDomain (static files, the
#   streaming API, the web process); the http expose only adds HTTPS;
# - the Rails secrets and Web Push keys are generated on first start in
#   /var/lib/mastodon/secrets, inside the state below.
# localDomain is the part after @ in user handles and can never change.
#
# Mail goes through the operator's SMTP relay (a new server sending mail
# directly ends up in spam). Create the first admin on the machine:
#   mastodon-tootctl accounts create alice --email alice@example.org --confirmed --role Owner
profile "mastodon" {
  summary  = "Microblogging on the fediverse"
  category = "social"
  module   = "services.mastodon"
  source   = "nixos/modules/services/web-apps/mastodon.nix"
  upstream = "https://joinmastodon.org"
  license  = "AGPL-3.0-or-later"
  maturity = "stable"
  sso      = "oidc"

  param "domain" {
    type        = string
    description = "Public host name, also the domain in user handles (@alice@<domain>), e.g. social.example.org. Cannot be changed later."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like social.example.org."
    }
  }
  param "smtp_host" {
    type        = string
    description = "SMTP relay host for outgoing mail, e.g. smtp.example.org."
  }
  param "smtp_port" {
    type        = number
    default     = 587
    description = "SMTP relay port (587: STARTTLS submission)."
  }
  param "smtp_user" {
    type        = string
    description = "Login name on the SMTP relay."
  }
  param "smtp_from" {
    type        = string
    description = "Sender address of notification mails, e.g. notifications@example.org."
  }
  param "streaming_processes" {
    type        = number
    default     = 1
    description = "Processes of the streaming API; upstream suggests CPU cores minus one."
  }

  # Read by mastodon-init-dirs (user mastodon) into the services' environment.
  secret "smtp_password" {
    provided    = true
    owner       = "mastodon"
    before      = ["mastodon-init-dirs.service"]
    description = "Password of the SMTP relay account"
  }

  # Secrets, uploaded media; Redis holds the job queues.
  state {
    paths     = ["/var/lib/mastodon", "/var/lib/redis-mastodon"]
    databases = ["postgresql:mastodon"]
  }

  # The module's own virtual host: freecloud adds HTTPS to it.
  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "mastodon-web.service"
    http = "/health"
  }

  example = {
    domain    = "social.example.org"
    smtp_host = "smtp.example.org"
    smtp_user = "mastodon@example.org"
    smtp_from = "notifications@example.org"
  }

  nixos = {
    "services.mastodon" = {
      enable             = true
      localDomain        = param.domain
      configureNginx     = true
      streamingProcesses = param.streaming_processes
      database           = { createLocally = true }
      redis              = { createLocally = true }
      smtp = {
        createLocally = false
        host          = param.smtp_host
        port          = param.smtp_port
        authenticate  = true
        user          = param.smtp_user
        passwordFile  = secret.smtp_password
        fromAddress   = param.smtp_from
      }
    }
  }
}
