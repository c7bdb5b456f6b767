# A ZFS pool that outlives its machines: each consumer's pool is RAIDZ3
# over eight iSCSI volumes, each on another machine of the service, so it
# keeps working with any three of them gone. Providers lend part of a raw
# data disk; the zfs-pool coordinator works out who lends what to whom.
#
# What a member gets (modules/zpool.nix, freecloud.zpool):
#   provider: its raw disk is one local ZFS pool, <service>-volumes, which
#     apply creates once; each volume lent is a zvol of it, exported by the
#     kernel's iSCSI target (LIO) on the member's mesh address only, port
#     3260 opened on the mesh interface only, to the one consumer's
#     initiator. No CHAP: the mesh already authenticates the machines.
#   consumer: logs into its eight volumes over the mesh and imports the
#     pool named like the service, which apply creates once the eight are
#     attached (RAIDZ3, by-path device names). Its datasets mount at
#     /<service> unless apply sets another mountpoint.
#
# Entitlement: a provider contributing C GB of disk may keep a pool of
# ratio * C (less overhead_gb); its eight volumes are a fifth of that
# each, since three of the eight hold parity. A machine may be provider
# and consumer at once; its volumes are never placed on itself.
#
# Volumes are created and grown, never shrunk or destroyed by the host: a
# volume no longer placed stays until a person destroys it.
#
# Every member must be in the mesh (the coordinator refuses one that is
# not), and the mesh must be IPv4: the module takes IPv4 portals only.
profile "zfs-iscsi-pool" {
  summary  = "ZFS RAIDZ3 pool over iSCSI volumes lent by eight other machines of the mesh"
  category = "storage"
  module   = "freecloud.zpool"
  source   = "modules/zpool.nix"
  upstream = "https://openzfs.org"
  license  = "CDDL-1.0"
  maturity = "experimental"
  cluster  = "zfs-pool"

  role "provider" {
    summary = "Lends part of its raw disk to the consumers as iSCSI volumes"
    default = true
    nixos = {
      "freecloud.zpool.provider" = {
        pool      = cluster.provider_pool
        listen    = cluster.self.mesh_address
        interface = param.interface
        volumes = [for e in cluster.exports : {
          name      = e.name
          sizeGB    = e.size_gb
          target    = e.target
          initiator = e.initiator
        }]
      }
    }
  }
  role "consumer" {
    summary = "Imports a RAIDZ3 pool made of eight volumes on eight other machines"
    nixos = {
      "freecloud.zpool.consumer" = {
        pool      = cluster.pool
        initiator = cluster.initiator
        interface = param.interface
        volumes   = [for i in cluster.imports : { portal = i.portal, target = i.target }]
      }
    }
  }

  param "ratio" {
    type        = number
    default     = 0.5
    description = "Share of what a provider contributes that its own pool may hold, from 1/3 to 1/2 (RAIDZ3 over eight volumes stores 5 GB per 8 GB lent)."
    validation {
      condition     = param.ratio * 3 >= 1 && param.ratio <= 0.5
      error_message = "ratio is between 1/3 (0.3334) and 1/2 (0.5)."
    }
  }
  param "overhead_gb" {
    type        = number
    default     = 0
    description = "Whole GB subtracted from each consumer's entitlement: room kept free in its pool's volumes for ZFS's metadata and free space."
    validation {
      condition     = param.overhead_gb >= 0 && floor(param.overhead_gb) == param.overhead_gb
      error_message = "overhead_gb is a whole number of GB, 0 or more."
    }
  }
  param "disk" {
    type        = string
    default     = "pool"
    description = "Name of the raw data disk each provider contributes (disks = [{ name = \"pool\", size = ..., format = \"raw\" }])."
  }
  param "interface" {
    type        = string
    default     = "wg-mesh"
    description = "The mesh's interface, the only one the iSCSI port is opened on."
    validation {
      condition     = can(regex("^[a-z][a-z0-9-]{0,14}$", param.interface))
      error_message = "interface is a Linux interface name: lowercase letters, digits and dashes, at most 15 characters."
    }
  }

  # The consumer's pool, where it is mounted; a provider holds only
  # volumes, whose contents are another machine's pool.
  state {
    paths = contains(service.roles, "consumer") ? ["/${service.name}"] : []
  }

  health {
    unit = contains(service.roles, "consumer") ? "freecloud-zpool-import.service" : "freecloud-zvols.service"
  }

  example = {}

  nixos = {}
}
