# restic REST server: a backup target for restic clients (other machines,
# laptops, the `restic-backup` profile) over HTTPS:
#   restic -r rest:https://<user>:<password>@<domain>/<user>/ init
#
# Private repositories: each user reaches only /<user>/ below the data
# directory. Users are in an htpasswd file (bcrypt) the operator provides:
#   htpasswd -B -c htpasswd <user>
# With append_only, clients can add snapshots but not delete or rewrite
# them, so a compromised client cannot destroy its history (prune then runs
# on the server, as root, with restic and the repository password).
# Socket-activated on localhost behind nginx; request bodies are not limited
# (restic uploads packs of 16 MiB and more).
profile "restic-rest-server" {
  summary  = "HTTPS backup target for restic clients"
  category = "backup"
  module   = "services.restic.server"
  source   = "nixos/modules/services/backup/restic-rest-server.nix"
  upstream = "https://github.com/restic/rest-server"
  license  = "BSD-2-Clause"
  maturity = "stable"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Public host name, e.g. backup.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like backup.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8010
    description = "Local port behind the reverse proxy."
  }
  param "append_only" {
    type        = bool
    default     = false
    description = "Refuse deletions and modifications of existing backups."
  }

  secret "htpasswd" {
    provided    = true
    owner       = "restic"
    description = "htpasswd file with the backup users (bcrypt: htpasswd -B)"
    before      = ["restic-rest-server.service"]
  }

  state {
    paths = ["/var/lib/restic"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }

  health {
    unit = "restic-rest-server.socket"
  }

  example = { domain = "backup.example.org" }

  nixos = {
    "services.restic.server" = {
      enable        = true
      listenAddress = "127.0.0.1:${param.port}"
      dataDir       = "/var/lib/restic"
      htpasswd-file = secret.htpasswd
      privateRepos  = true
      appendOnly    = param.append_only
      prometheus    = false
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size 0;" }
    }
  }
}
