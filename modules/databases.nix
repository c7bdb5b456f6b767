# Databases of a machine's services: each is created with a role of the same
# name that owns it and logs in over the local socket (peer authentication
# for PostgreSQL, unix_socket for MariaDB), so no database password exists.
# The generator fills these lists from the profiles' `state.databases`; the
# postgresql and mysql profiles enable the servers. Creation is idempotent
# (the modules' ensure* options), so a NixOS module that also creates its
# own database does no harm.
#
# Checked against nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b:
# services.postgresql.{ensureDatabases,ensureUsers.*.{name,ensureDBOwnership}}
# in nixos/modules/services/databases/postgresql.nix and
# services.mysql.{ensureDatabases,ensureUsers.*.{name,ensurePermissions}} in
# nixos/modules/services/databases/mysql.nix.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.freecloud.databases;
in
{
  options.freecloud.databases = {
    postgresql = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "PostgreSQL databases to create, each owned by a role of the same name.";
    };
    mysql = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "MariaDB databases to create, each with all privileges for a user of the same name.";
    };
  };

  config = lib.mkMerge [
    (lib.mkIf (cfg.postgresql != [ ]) {
      services.postgresql.ensureDatabases = cfg.postgresql;
      services.postgresql.ensureUsers = map (name: {
        inherit name;
        ensureDBOwnership = true;
      }) cfg.postgresql;
    })
    (lib.mkIf (cfg.mysql != [ ]) {
      services.mysql.ensureDatabases = cfg.mysql;
      services.mysql.ensureUsers = map (name: {
        inherit name;
        ensurePermissions."${name}.*" = "ALL PRIVILEGES";
      }) cfg.mysql;
    })
  ];
}
