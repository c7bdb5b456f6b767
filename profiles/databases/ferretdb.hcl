# FerretDB 1.x: the MongoDB wire protocol on top of PostgreSQL, for
# applications written for MongoDB (MongoDB itself is under the SSPL, which
# NixOS treats as unfree, so there is no mongodb profile).
#
# Documents live in the PostgreSQL database "ferretdb" on the same machine:
# the service runs as the dynamic user "ferretdb" and connects over
# /run/postgresql with peer authentication, as the role of the same name
# freecloud creates. Back it up like any PostgreSQL database.
#
# MongoDB clients connect to mongodb://127.0.0.1:27017/ without credentials
# (FerretDB passes credentials through to PostgreSQL, where only the role
# ferretdb can log in), so the port stays closed.
profile "ferretdb" {
  summary  = "MongoDB-compatible database on top of PostgreSQL"
  category = "databases"
  module   = "services.ferretdb"
  source   = "nixos/modules/services/databases/ferretdb.nix"
  upstream = "https://www.ferretdb.com"
  license  = "Apache-2.0"
  maturity = "beta"

  param "port" {
    type        = number
    default     = 27017
    description = "MongoDB protocol port on 127.0.0.1."
  }

  state {
    databases = ["postgresql:ferretdb"]
  }

  expose "mongodb" {
    protocol = "tcp"
    port     = param.port
  }

  health {
    unit = "ferretdb.service"
  }

  example = {}

  nixos = {
    "services.ferretdb" = {
      enable = true
      settings = {
        FERRETDB_HANDLER        = "pg"
        FERRETDB_POSTGRESQL_URL = "postgres://ferretdb@/ferretdb?host=/run/postgresql"
        FERRETDB_LISTEN_ADDR    = "127.0.0.1:${param.port}"
        FERRETDB_TELEMETRY      = "disable"
      }
    }
  }
}
