# MariaDB, the MySQL-compatible server, for the services on its machine.
# Services list their databases as "mysql:<name>" in their state block;
# freecloud creates each with a user of the same name that logs in over the
# local socket (unix_socket authentication), so there is no password.
profile "mysql" {
  summary  = "MariaDB (MySQL-compatible) database server"
  category = "databases"
  module   = "services.mysql"
  source   = "nixos/modules/services/databases/mysql.nix"
  upstream = "https://mariadb.org"
  license  = "GPL-2.0-only"
  maturity = "stable"

  state {
    paths = ["/var/lib/mysql"]
  }

  # Local clients only; the firewall stays closed.
  expose "mysql" {
    port = 3306
  }

  health {
    unit = "mysql.service"
  }

  example = {}

  nixos = {
    "services.mysql" = {
      enable = true
      # The module has no default package. Pinned explicitly: a major
      # upgrade of the on-disk format must be a decision, not a side effect.
      package = nix("pkgs.mariadb")
    }
  }
}
