# WireGuard mesh: one private network across providers and on-premise
# machines, every member a peer of every other.
#
# freecloud gives each member an address in cidr (machine.<name>.mesh_address),
# kept in state so that it never moves while others join and leave. Each
# host makes its own private key (wireguard-<interface>-key.service) and
# publishes only the public key, which apply collects and writes into the
# other members' peer lists: the first apply deploys, collects and deploys
# again; the next one has nothing to do.
#
# A member with a public address is an endpoint and opens the port; one
# behind NAT (a private or unknown address, or reached through ssh_jump)
# dials the public members and keeps its NAT mapping open with
# keepalives. Members behind NAT on one site (machines of one bare-metal
# provider block, with private addresses) are direct peers at those
# addresses, and open the port for each other. Members behind NAT at
# different sites reach each other through a relay: the first public
# member by name, whose mesh interface forwards (IPv4 meshes only; plan
# warns about members that stay apart).
#
# The interface is made by NixOS's scripted WireGuard backend
# (networking.wireguard.useNetworkd = false), although freecloud's hosts
# run systemd-networkd (hardware/hetzner.nix, baremetal.nix): the networkd
# backend, which useNetworkd would otherwise default to, refuses
# generatePrivateKeyFile (an assertion in wireguard-networkd.nix) and
# creates none of the wireguard-<interface>*.service units the key, the
# health check and the storage clusters' ordering rely on. It would also
# hand the key to systemd-networkd through LoadCredential=, so a missing
# key file would stop the host's whole network, not just the mesh.
# networkd leaves the interface alone: its catch-all DHCP network matches
# Ethernet links only.
#
# The mesh interface is not a trusted interface: services open their ports
# on it one by one (networking.firewall.interfaces.<interface>), so a
# compromised member reaches only what is meant for it.
profile "wireguard-mesh" {
  summary  = "Private WireGuard mesh between machines across providers and on premise"
  category = "networking"
  module   = "networking.wireguard"
  source   = "nixos/modules/services/networking/wireguard.nix"
  upstream = "https://www.wireguard.com"
  license  = "GPL-2.0-only"
  maturity = "beta"
  cluster  = "mesh"

  role "peer" {
    summary = "A machine of the mesh"
    default = true
  }

  param "cidr" {
    type        = string
    description = "The mesh's private network, e.g. 10.77.0.0/24; each member gets one address of it."
    validation {
      condition     = can(cidrhost(param.cidr, 1))
      error_message = "cidr is a network in CIDR notation, like \"10.77.0.0/24\" or \"fd77::/64\"."
    }
  }
  param "port" {
    type        = number
    default     = 51820
    description = "UDP port WireGuard listens on."
    validation {
      condition     = param.port >= 1 && param.port <= 65535 && floor(param.port) == param.port
      error_message = "port is a UDP port between 1 and 65535."
    }
  }
  param "interface" {
    type        = string
    default     = "wg-mesh"
    description = "Name of the network interface (at most 15 characters)."
    validation {
      condition     = can(regex("^[a-z][a-z0-9-]{0,14}$", param.interface))
      error_message = "interface is a Linux interface name: lowercase letters, digits and dashes, at most 15 characters."
    }
  }

  # The host's public key, published for freecloud to hand to the peers.
  collect "public_key" {
    pattern = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"
  }

  expose "wireguard" {
    protocol = "udp"
    port     = param.port
    public   = cluster.listens
  }

  health {
    unit = "wireguard-${param.interface}.service"
  }

  example = { cidr = "10.77.0.0/24" }

  nixos = {
    # See above: the scripted backend, whatever the host's network stack.
    "networking.wireguard.useNetworkd" = false
    "networking.wireguard.interfaces" = {
      (param.interface) = {
        ips                    = ["${cluster.address}/${cluster.prefix_length}"]
        listenPort             = param.port
        privateKeyFile         = "/var/lib/freecloud/mesh/${service.name}.key"
        generatePrivateKeyFile = true
        # The relay forwards between members behind NAT at different
        # sites, on the mesh interface only (IPv4 forwarding is decided
        # by the interface a packet comes in on).
        postSetup = cluster.forwards ? ["echo 1 > /proc/sys/net/ipv4/conf/${param.interface}/forwarding"] : []
        peers = [for p in cluster.peers : merge(
          { name = p.machine, publicKey = p.public_key, allowedIPs = p.allowed_ips },
          p.endpoint == null ? {} : { endpoint = p.endpoint },
          p.keepalive == 0 ? {} : { persistentKeepalive = p.keepalive },
        )]
      }
    }
    "systemd.services.freecloud-fact-${service.name}-public-key" = {
      description = "Publish the WireGuard public key of mesh ${service.name} for freecloud"
      wantedBy    = ["multi-user.target"]
      requires    = ["wireguard-${param.interface}-key.service"]
      after       = ["wireguard-${param.interface}-key.service"]
      path        = [nix("pkgs.wireguard-tools"), nix("pkgs.coreutils")]
      serviceConfig = {
        Type            = "oneshot"
        RemainAfterExit = true
      }
      script = <<-EOT
        mkdir -p ${service.facts_dir}
        wg pubkey < /var/lib/freecloud/mesh/${service.name}.key > ${service.facts_dir}/public_key.tmp
        mv ${service.facts_dir}/public_key.tmp ${service.facts_dir}/public_key
        EOT
    }
  }
}
