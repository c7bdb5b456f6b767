# MariaDB, the MySQL-compatible server, for the services on its machine.
# Other profiles pull it in by listing "mysql:<name>" in their state block,
# so it renders without any parameter. freecloud creates each such database
# with a user of the same name identified by unix_socket: the system user
# gitea is the database user gitea over /run/mysqld/mysqld.sock, and no
# database password exists. root@localhost is unix_socket too (MariaDB's
# default), so `sudo mysql` is the admin console.
profile "mysql" {
  summary  = "MariaDB (MySQL-compatible) database server for the services on its machine"
  category = "databases"
  module   = "services.mysql"
  source   = "nixos/modules/services/databases/mysql.nix"
  upstream = "https://mariadb.org"
  license  = "GPL-2.0-only"
  maturity = "stable"

  param "version" {
    type        = string
    default     = "11.4"
    description = "MariaDB release series (pkgs.mariadb_<series without dot>). 11.4 is the long-term release supported until 2029. Moving to a newer series is one way: run mariadb-upgrade after the switch."
    validation {
      condition     = contains(["10.11", "11.4", "11.8"], param.version)
      error_message = "version is one of the long-term series packaged in NixOS: 10.11, 11.4 or 11.8."
    }
  }

  # The data directory. Consistent backups come from dumps of the databases
  # the other profiles list, not from copying these files while they change.
  state {
    paths = ["/var/lib/mysql"]
  }

  # Local clients use the socket; TCP listens on localhost only.
  expose "mysql" {
    protocol = "tcp"
    port     = 3306
  }

  health {
    unit = "mysql.service"
  }

  example = {}

  nixos = {
    "services.mysql" = {
      enable = true
      # The module has no default package. Pinned to a series, not left to
      # pkgs.mariadb: a major upgrade of the on-disk format must be a
      # decision, not a side effect of a NixOS release.
      package = nix("pkgs.mariadb_${replace(param.version, ".", "")}")
      settings = {
        mysqld = {
          # MariaDB listens on every interface by default.
          bind-address = "127.0.0.1"
        }
      }
    }
  }
}
