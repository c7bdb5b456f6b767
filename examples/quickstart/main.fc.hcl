# The quickstart: an organisation's files, calendars and contacts in the
# cloud in Germany, and a grammar checker on a server in its own office.
#
#   freecloud -C examples/quickstart validate
#   freecloud -C examples/quickstart generate

deployment "acme" {
  description = "ACME's own cloud: Nextcloud in Falkenstein, LanguageTool in the office"
  # ACME is a German company: it operates the bare-metal machines itself.
  operator_country = "DE"
}

variable "domain" {
  description = "The domain ACME's services live under"
  type        = string
  default     = "acme.example"

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]+$", var.domain))
    error_message = "The domain must be a DNS name like acme.example."
  }
}

variable "admin_keys" {
  description = "SSH public keys of the people who run the machines"
  type        = list(string)
  default = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@acme.example",
  ]
}

locals {
  acme_email = "hostmaster@${var.domain}"
}

# Data stays in the EU, with operators outside the reach of US law (the
# CLOUD Act, FISA 702). validate and plan refuse a machine with state, or a
# backup, that breaks this, and say which line and why.
sovereignty {
  data_jurisdictions     = ["EU"]
  forbidden_operator_law = ["US"]
}

# Every machine with state backs up to its own restic repository below
# this one, each night: Hetzner's object storage in Falkenstein. The
# repository password and access keys are secrets set by the operator.
backup {
  repository = "s3:https://fsn1.your-objectstorage.com/acme-backups"
}

provider "hetzner" "eu" {}       # token from HCLOUD_TOKEN
provider "baremetal" "office" {} # machines reached over SSH

machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
  admins   = var.admin_keys
  disks    = [{ name = "nextcloud", size = 100, mount = "/var/lib/nextcloud" }]
}

machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  admins   = var.admin_keys
  # The disk that installing NixOS erases and lays out; by-id names the
  # same disk on every boot.
  boot_disk = "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NX0R123456"
}

service "proxy" {
  profile = "reverse-proxy"
  machine = machine.web1
  with    = { acme_email = local.acme_email }
}

# Nextcloud brings PostgreSQL onto web1 by itself (its profile requires it).
service "cloud" {
  profile = "nextcloud"
  machine = machine.web1
  with = {
    domain       = "cloud.${var.domain}"
    max_upload   = "16G"
    phone_region = "DE"
  }
}

service "office-proxy" {
  profile = "reverse-proxy"
  machine = machine.nas1
  with    = { acme_email = local.acme_email }
}

service "grammar" {
  profile = "languagetool"
  machine = machine.nas1
  with    = { domain = "grammar.${var.domain}" }
}

output "nextcloud_url" {
  description = "Where people log in"
  value       = "https://${service.cloud.with.domain}"
}
