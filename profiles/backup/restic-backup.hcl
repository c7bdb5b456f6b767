# An extra restic backup job: daily, encrypted, deduplicated snapshots of
# paths on this machine to a second restic repository (a
# `restic-rest-server` elsewhere, S3, SFTP...), then `forget --prune` by the
# retention rules. The deployment's `backup` block already backs up every
# machine's state; this profile is for a second, independent copy (3-2-1)
# or for paths no service declares.
#
# Both the repository location (it holds credentials, e.g.
# rest:https://user:pass@backup.example.org/user/) and the repository
# password are provided by the operator: the password must survive the
# machine, or the backups cannot be read. Runs as root, so it reads every
# file. Live database directories are excluded by default; the consistent
# dumps freecloud's backups take before each run (/var/backup/freecloud)
# are included.
# One service per job; the wrapper `restic-<service>` runs restic with the
# job's settings (snapshots, restore, mount).
profile "restic-backup" {
  summary  = "Scheduled restic backups of this machine to a remote repository"
  category = "backup"
  module   = "services.restic.backups"
  source   = "nixos/modules/services/backup/restic.nix"
  upstream = "https://restic.net"
  license  = "BSD-2-Clause"
  maturity = "stable"
  sso      = "none"

  multi_instance = true

  param "paths" {
    type        = list(string)
    default     = ["/var/lib", "/var/backup", "/etc/ssh"]
    description = "Paths to back up."
  }
  param "exclude" {
    type        = list(string)
    default     = ["/var/lib/postgresql", "/var/lib/mysql", "/var/lib/systemd", "**/.cache"]
    description = "Exclude patterns (restic syntax)."
  }
  param "schedule" {
    type        = string
    default     = "daily"
    description = "When to run, as a systemd OnCalendar expression, e.g. \"*-*-* 02:30\"."
  }
  param "prune" {
    type        = list(string)
    default     = ["--keep-daily 7", "--keep-weekly 5", "--keep-monthly 12"]
    description = "Retention options for restic forget --prune; empty keeps everything."
  }

  secret "repository" {
    provided    = true
    description = "Repository location, one line, e.g. rest:https://user:pass@backup.example.org/user/"
  }
  secret "password" {
    provided    = true
    description = "Repository encryption password; keep a copy off this machine"
  }

  example = {}

  nixos = {
    "services.restic.backups" = {
      (service.name) = {
        repositoryFile = secret.repository
        passwordFile   = secret.password
        initialize     = true
        paths          = param.paths
        exclude        = param.exclude
        pruneOpts      = param.prune
        timerConfig = {
          OnCalendar         = param.schedule
          Persistent         = true
          RandomizedDelaySec = "1h"
        }
      }
    }
  }
}
