# Peer storage: six Hetzner servers in three locations and four machines
# in ACME's office form one WireGuard mesh. Every machine lends a raw disk:
# Garage keeps three copies of every S3 object, one per site, and two
# machines keep a ZFS pool whose eight volumes live on eight others.
#
#   freecloud -C examples/peer-storage validate
#   freecloud -C examples/peer-storage plan           # needs HCLOUD_TOKEN
#   freecloud -C examples/peer-storage storage status

deployment "acme-storage" {
  description      = "ACME's storage across Hetzner and its office"
  operator_country = "DE"
}

variable "admin_keys" {
  description = "SSH public keys of the people who run the machines"
  type        = list(string)
  default = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@acme.example",
  ]
}

sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
}

backup {
  repository = "s3:https://fsn1.your-objectstorage.com/acme-backups"
}

provider "hetzner" "eu" {}
provider "baremetal" "office" {}

locals {
  cloud  = { c1 = "fsn1", c2 = "fsn1", c3 = "nbg1", c4 = "nbg1", c5 = "hel1", c6 = "hel1" }
  office = { nas1 = "192.168.10.11", nas2 = "192.168.10.12", nas3 = "192.168.10.13", nas4 = "192.168.10.14" }
}

machine "c1" {
  provider = provider.hetzner.eu
  location = local.cloud.c1
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

machine "c2" {
  provider = provider.hetzner.eu
  location = local.cloud.c2
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

machine "c3" {
  provider = provider.hetzner.eu
  location = local.cloud.c3
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

machine "c4" {
  provider = provider.hetzner.eu
  location = local.cloud.c4
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

machine "c5" {
  provider = provider.hetzner.eu
  location = local.cloud.c5
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

machine "c6" {
  provider = provider.hetzner.eu
  location = local.cloud.c6
  size     = "cx32"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 400, format = "raw" },
    { name = "garage", size = 200, mount = "/var/lib/garage" },
  ]
}

# The office machines are behind the office's NAT: they talk to each other
# on the LAN and to the cloud through their keepalives.
machine "nas1" {
  provider = provider.baremetal.office
  address  = local.office.nas1
  country  = "DE"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 2000, format = "raw", device = "/dev/disk/by-id/ata-ST2000-A" },
    { name = "garage", size = 1000, device = "/dev/disk/by-id/ata-ST1000-A", mount = "/var/lib/garage" },
  ]
}

machine "nas2" {
  provider = provider.baremetal.office
  address  = local.office.nas2
  country  = "DE"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 2000, format = "raw", device = "/dev/disk/by-id/ata-ST2000-B" },
    { name = "garage", size = 1000, device = "/dev/disk/by-id/ata-ST1000-B", mount = "/var/lib/garage" },
  ]
}

machine "nas3" {
  provider = provider.baremetal.office
  address  = local.office.nas3
  country  = "DE"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 2000, format = "raw", device = "/dev/disk/by-id/ata-ST2000-C" },
    { name = "garage", size = 1000, device = "/dev/disk/by-id/ata-ST1000-C", mount = "/var/lib/garage" },
  ]
}

machine "nas4" {
  provider = provider.baremetal.office
  address  = local.office.nas4
  country  = "DE"
  admins   = var.admin_keys
  disks = [
    { name = "pool", size = 2000, format = "raw", device = "/dev/disk/by-id/ata-ST2000-D" },
    { name = "garage", size = 1000, device = "/dev/disk/by-id/ata-ST1000-D", mount = "/var/lib/garage" },
  ]
}

service "mesh" {
  profile  = "wireguard-mesh"
  machines = [machine.c1, machine.c2, machine.c3, machine.c4, machine.c5, machine.c6, machine.nas1, machine.nas2, machine.nas3, machine.nas4]
  with     = { cidr = "10.77.0.0/24" }
}

# Garage serves S3 over HTTPS on every node, behind the reverse proxy.
service "proxy-c1" {
  profile = "reverse-proxy"
  machine = machine.c1
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-c2" {
  profile = "reverse-proxy"
  machine = machine.c2
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-c3" {
  profile = "reverse-proxy"
  machine = machine.c3
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-c4" {
  profile = "reverse-proxy"
  machine = machine.c4
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-c5" {
  profile = "reverse-proxy"
  machine = machine.c5
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-c6" {
  profile = "reverse-proxy"
  machine = machine.c6
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-nas1" {
  profile = "reverse-proxy"
  machine = machine.nas1
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-nas2" {
  profile = "reverse-proxy"
  machine = machine.nas2
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-nas3" {
  profile = "reverse-proxy"
  machine = machine.nas3
  with    = { acme_email = "hostmaster@acme.example" }
}
service "proxy-nas4" {
  profile = "reverse-proxy"
  machine = machine.nas4
  with    = { acme_email = "hostmaster@acme.example" }
}

# One zone per site: each object has a copy in the office, in Falkenstein
# and Nuremberg together, and in Helsinki.
service "s3" {
  profile  = "garage"
  machines = [machine.c1, machine.c2, machine.c3, machine.c4, machine.c5, machine.c6, machine.nas1, machine.nas2, machine.nas3, machine.nas4]
  with = {
    domain = "s3.acme.example"
    zones  = { c1 = "germany", c2 = "germany", c3 = "germany", c4 = "germany", c5 = "finland", c6 = "finland", nas1 = "office", nas2 = "office", nas3 = "office", nas4 = "office" }
  }
}

# nas1 keeps a 1,000 GB pool (half its 2,000 GB disk) as eight volumes of
# 200 GB on eight other machines; c1 keeps a 200 GB one.
service "vault" {
  profile = "zfs-iscsi-pool"
  roles = {
    provider = [machine.c1, machine.c2, machine.c3, machine.c4, machine.c5, machine.c6, machine.nas1, machine.nas2, machine.nas3, machine.nas4]
    consumer = [machine.nas1, machine.c1]
  }
}
