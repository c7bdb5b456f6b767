# BorgBackup repository server: clients push deduplicated, encrypted
# backups over SSH to this machine, with `borg` on the client:
#   borg init -e repokey borg@<machine>:.
# Each SSH key may only run `borg serve` restricted to this repository
# (forced command in authorized_keys), so a client reaches nothing else and
# no other repository. Append-only keys can add archives but not delete
# them: use those for machines that could be compromised.
#
# One service per repository (several may share a machine): the repository
# is /var/lib/borgbackup/<service>, served by the system user "borg" through
# the machine's SSH server (port 22, already open).
profile "borgbackup-repo" {
  summary  = "BorgBackup repository server reached over SSH"
  category = "backup"
  module   = "services.borgbackup.repos"
  source   = "nixos/modules/services/backup/borgbackup.nix"
  upstream = "https://www.borgbackup.org"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  multi_instance = true

  param "authorized_keys" {
    type        = list(string)
    default     = []
    description = "Public SSH keys with full access (create, prune), e.g. [\"ssh-ed25519 AAAA... host@example.org\"]."
  }
  param "authorized_keys_append_only" {
    type        = list(string)
    default     = []
    description = "Public SSH keys that may only add archives."
  }
  param "quota" {
    type        = string
    default     = ""
    description = "Storage quota of the repository, like 500G. Empty: none."
    validation {
      condition     = param.quota == "" || can(regex("^[0-9.]+[KMGTP]?$", param.quota))
      error_message = "quota is empty or a size like 500G."
    }
  }
  param "allow_sub_repos" {
    type        = bool
    default     = false
    description = "Let clients create repositories in subdirectories (user@machine:sub/repo); the quota applies to each."
  }

  state {
    paths = ["/var/lib/borgbackup"]
  }

  example = { authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb3bQuHEiGk5AnrdexLfiW7OGkDP9jGMdUo4X3Gbmnz client@example.org"] }

  nixos = {
    "services.borgbackup.repos" = {
      (service.name) = {
        path                     = "/var/lib/borgbackup/${service.name}"
        authorizedKeys           = param.authorized_keys
        authorizedKeysAppendOnly = param.authorized_keys_append_only
        quota                    = param.quota == "" ? null : param.quota
        allowSubRepos            = param.allow_sub_repos
      }
    }
  }
}
