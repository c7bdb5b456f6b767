# PostgreSQL for the services on the same machine. Other profiles pull it in
# with `requires` and add their own databases (or let their NixOS module do
# it), so it renders without any parameter.
#
# Clients connect over the Unix socket /run/postgresql with peer
# authentication: the system user nextcloud is the database role nextcloud,
# no password. That is the module's default pg_hba.conf; TCP listens on
# localhost only (enableTCPIP defaults to false).
profile "postgresql" {
  summary  = "PostgreSQL database server for the services on its machine"
  category = "databases"
  module   = "services.postgresql"
  source   = "nixos/modules/services/databases/postgresql.nix"
  upstream = "https://www.postgresql.org"
  license  = "PostgreSQL"
  maturity = "stable"

  param "version" {
    type        = number
    default     = 17
    description = "Major version (pkgs.postgresql_<version>). The data directory is per major version: changing it on a machine with data needs a pg_upgrade first."
  }

  # The whole cluster. Consistent backups come from dumps of the databases
  # that other profiles list in their state block, not from copying files.
  state {
    paths = ["/var/lib/postgresql"]
  }

  expose "postgresql" {
    port     = 5432
    protocol = "tcp"
    public   = false
  }

  example = {}

  nixos = {
    "services.postgresql" = {
      enable = true
      # Pinned, not left to system.stateVersion: a silent major upgrade
      # would start an empty cluster next to the old one.
      package = nix("pkgs.postgresql_${param.version}")
    }
  }
}
