# The kernel NFS server, exporting /srv/nfs read-write to the clients
# given, with root squashed (root on a client is nobody here). /srv/nfs is
# created owned by root: create a directory in it per user, owned by the
# user id the clients use.
#
# NFSv4 needs only TCP 2049, which is what the expose opens when `public`
# is set; NFSv3 clients also need rpcbind and mountd on changing ports and
# are not supported through the firewall. NFS without Kerberos trusts the
# client's user ids: export only to machines you administer, on a LAN or a
# VPN, never to the internet.
profile "nfs-server" {
  summary  = "NFS file server (NFSv4)"
  category = "storage"
  module   = "services.nfs.server"
  source   = "nixos/modules/services/network-filesystems/nfsd.nix"
  upstream = "https://linux-nfs.org"
  license  = "GPL-2.0-only"
  maturity = "stable"

  param "clients" {
    type        = string
    description = "Who may mount the export: an address, a network like 192.168.1.0/24, or a host name pattern like *.lan."
    validation {
      condition     = can(regex("^[A-Za-z0-9.*:/_-]+$", param.clients))
      error_message = "clients is one address, network or host pattern, without spaces or parentheses."
    }
  }
  param "public" {
    type        = bool
    default     = false
    description = "Open TCP 2049 in the firewall for the clients."
  }

  state {
    paths = ["/srv/nfs"]
  }

  expose "nfs" {
    protocol = "tcp"
    port     = 2049
    public   = param.public
  }

  health {
    unit = "nfs-server.service"
  }

  example = { clients = "192.168.1.0/24" }

  nixos = {
    "services.nfs.server" = {
      enable            = true
      createMountPoints = true
      exports = {
        "/srv/nfs" = {
          (param.clients) = ["rw", "sync", "no_subtree_check", "root_squash"]
        }
      }
    }
  }
}
