# MediaWiki, the software behind Wikipedia, on PostgreSQL behind nginx.
#
# - webserver "nginx": the module defines the virtual host for
#   nginx.hostName (PHP-FPM, short URLs under /wiki/); the profile only
#   adds HTTPS to it. The wiki's URL follows: https://<domain>.
# - database.createLocally (the module's default) creates the database and
#   role "mediawiki" in the local PostgreSQL (idempotent, like
#   state.databases) and connects through /run/postgresql with peer
#   authentication: no database password.
# - The account "admin" gets the generated password on the first install;
#   later changes are made in the wiki.
# - Unlike MediaWiki's defaults, visitors cannot create accounts or edit
#   anonymously unless open_registration / anonymous_edits are set: the
#   administrator creates accounts at Special:CreateAccount.
profile "mediawiki" {
  summary  = "The wiki engine of Wikipedia"
  category = "knowledge"
  module   = "services.mediawiki"
  source   = "nixos/modules/services/web-apps/mediawiki.nix"
  upstream = "https://www.mediawiki.org"
  license  = "GPL-2.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. wiki.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like wiki.example.org."
    }
  }
  param "name" {
    type        = string
    default     = "Wiki"
    description = "Name of the wiki, shown in titles and used for the project namespace."
  }
  param "open_registration" {
    type        = bool
    default     = false
    description = "Whether visitors may create their own accounts."
  }
  param "anonymous_edits" {
    type        = bool
    default     = false
    description = "Whether visitors who are not signed in may edit pages."
  }

  # Read by mediawiki-init.service (install.php --passfile) as mediawiki.
  secret "admin_password" {
    generate    = "password"
    owner       = "mediawiki"
    before      = ["mediawiki-init.service"]
    description = "Initial password of the wiki account admin"
  }

  # secret.key and the uploaded files; pages are in the database.
  state {
    paths     = ["/var/lib/mediawiki"]
    databases = ["postgresql:mediawiki"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
  }

  health {
    unit = "phpfpm-mediawiki.service"
    http = "/wiki/"
  }

  example = { domain = "wiki.example.org" }

  nixos = {
    "services.mediawiki" = {
      enable       = true
      name         = param.name
      webserver    = "nginx"
      nginx        = { hostName = param.domain }
      passwordFile = secret.admin_password
      database     = { type = "postgres" }
      extraConfig  = <<-PHP
        $wgGroupPermissions['*']['createaccount'] = ${param.open_registration};
        $wgGroupPermissions['*']['edit'] = ${param.anonymous_edits};
      PHP
    }
  }
}
