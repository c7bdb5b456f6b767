# Apache CouchDB 3: a document database with an HTTP API, replication and
# the Fauxton web console at https://<domain>/_utils.
#
# CouchDB 3 refuses to start without an admin account. The module's
# adminPass would put the password in the Nix store, so the profile writes
# an ini file with the generated password at each start (as the couchdb
# user, into its own data directory) and hands it to the module's
# extraConfigFiles. CouchDB keeps only a hash of it in local.ini. The admin
# user is "admin"; the password is the secret file on the host.
profile "couchdb" {
  summary  = "CouchDB document database with HTTP API and replication"
  category = "databases"
  module   = "services.couchdb"
  source   = "nixos/modules/services/databases/couchdb.nix"
  upstream = "https://couchdb.apache.org"
  license  = "Apache-2.0"
  maturity = "stable"

  param "domain" {
    type        = string
    description = "Public host name of the HTTP API and Fauxton, e.g. couch.example.org."
    validation {
      condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", param.domain))
      error_message = "domain is a DNS name like couch.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 5984
    description = "Local port CouchDB listens on, behind the reverse proxy."
  }

  # Read by the couchdb user in its preStart, hence the owner.
  secret "admin_password" {
    generate    = "password"
    owner       = "couchdb"
    before      = ["couchdb.service"]
    description = "Password of the CouchDB server admin \"admin\""
  }

  # Databases, view indexes and local.ini (node settings changed at run
  # time, the hashed admin password, the cookie secret).
  state {
    paths = ["/var/lib/couchdb"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "couchdb.service"
    http = "/_up"
  }

  example = { domain = "couch.example.org" }

  nixos = {
    "services.couchdb" = {
      enable           = true
      bindAddress      = "127.0.0.1"
      port             = param.port
      extraConfigFiles = ["/var/lib/couchdb/freecloud-admin.ini"]
      # One node: creates the _users, _replicator and _global_changes
      # system databases on first start.
      extraConfig = {
        couchdb = { single_node = true }
      }
    }
    "systemd.services.couchdb" = {
      preStart = <<-EOT
        (umask 077; printf '[admins]\nadmin = %s\n' "$(cat ${secret.admin_password})" > /var/lib/couchdb/freecloud-admin.ini)
      EOT
    }
  }
}
