# Backups of a machine's state with restic: one repository per machine, the
# state paths of its services, and consistent dumps of its databases taken
# just before each run. The generator fills freecloud.backup from the
# services' `state` blocks and the deployment's backup settings; the
# repository password (and, for object stores or a REST server, an
# environment file with access keys) are secrets the operator provides.
#
# Live database files are not copied: a copy taken while the server writes
# is not consistent. Their dumps are, so the data directories of dumped
# engines are excluded and the dumps in /var/backup/freecloud are backed up
# instead. Restore: restic restore, then pg_restore / mysql < dump.
#
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b,
# nixos/modules/services/backup/restic.nix: services.restic.backups.<name>.
# {repository, passwordFile, environmentFile, initialize, paths, exclude,
# timerConfig, backupPrepareCommand, pruneOpts}.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  cfg = config.freecloud.backup;
  dumpDir = "/var/backup/freecloud";

  dumpPostgresql = db: ''
    ${pkgs.util-linux}/bin/runuser -u postgres -- \
      ${config.services.postgresql.package}/bin/pg_dump --format=custom ${lib.escapeShellArg db} \
      > "$tmp/postgresql-${db}.dump"
  '';
  dumpMysql = db: ''
    ${config.services.mysql.package}/bin/mysqldump --single-transaction --routines --events \
      ${lib.escapeShellArg db} > "$tmp/mysql-${db}.sql"
  '';
  hasDumps = cfg.postgresql != [ ] || cfg.mysql != [ ];
in
{
  options.freecloud.backup = {
    repository = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "restic repository of this machine; null: no backups.";
    };
    schedule = mkOption {
      type = types.str;
      default = "daily";
      description = "When backups run, as a systemd OnCalendar expression.";
    };
    paths = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Paths to back up.";
    };
    postgresql = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "PostgreSQL databases to dump before each backup.";
    };
    mysql = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "MariaDB databases to dump before each backup.";
    };
    passwordFile = mkOption {
      type = types.str;
      description = "File holding the repository password.";
    };
    environmentFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "File with KEY=value access keys for the repository backend.";
    };
  };

  config = lib.mkIf (cfg.repository != null) {
    services.restic.backups.freecloud = {
      inherit (cfg) repository passwordFile environmentFile;
      initialize = true;
      paths = cfg.paths ++ lib.optional hasDumps dumpDir;
      exclude =
        lib.optional (cfg.postgresql != [ ]) config.services.postgresql.dataDir
        ++ lib.optional (cfg.mysql != [ ]) config.services.mysql.dataDir;
      timerConfig = {
        OnCalendar = cfg.schedule;
        Persistent = true;
        RandomizedDelaySec = "30m";
      };
      # Dumps go to a fresh directory that replaces the last one only when
      # every dump succeeded, so a failed dump never ships a partial set.
      backupPrepareCommand = lib.mkIf hasDumps ''
        set -euo pipefail
        umask 077
        mkdir -p ${dumpDir}
        tmp=$(mktemp -d ${dumpDir}.new.XXXXXX)
        trap 'rm -rf "$tmp"' EXIT
        ${lib.concatMapStrings dumpPostgresql cfg.postgresql}
        ${lib.concatMapStrings dumpMysql cfg.mysql}
        rm -rf ${dumpDir}.old
        mv ${dumpDir} ${dumpDir}.old
        mv "$tmp" ${dumpDir}
        rm -rf ${dumpDir}.old
        trap - EXIT
      '';
      pruneOpts = [
        "--keep-daily 7"
        "--keep-weekly 5"
        "--keep-monthly 12"
      ];
    };
  };
}
