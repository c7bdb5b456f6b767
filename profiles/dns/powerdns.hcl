# PowerDNS Authoritative Server with the LMDB backend: zones live in one
# embedded database under /var/lib/pdns, no SQL server and no schema to
# load. Zones and records are managed on the machine with pdnsutil, which
# reads /etc/pdns/pdns.conf:
#   sudo -u pdns pdnsutil create-zone example.org ns1.example.org
#   sudo -u pdns pdnsutil add-record example.org www A 3600 192.0.2.10
#   sudo -u pdns pdnsutil secure-zone example.org     # DNSSEC, optional
# Authoritative only (no recursion), so answering the whole internet on
# port 53 is its job. The HTTP API stays off: its key would have to be in
# pdns.conf (the module's secretFile takes KEY=value lines only).
profile "powerdns" {
  summary  = "Authoritative DNS server, zones in an embedded database"
  category = "dns"
  module   = "services.powerdns"
  source   = "nixos/modules/services/networking/powerdns.nix"
  upstream = "https://www.powerdns.com/powerdns-authoritative-server"
  license  = "GPL-2.0-only"
  maturity = "beta"
  sso      = "none"

  param "extra_config" {
    type        = string
    default     = ""
    description = "Extra pdns.conf lines, e.g. \"default-soa-edit=INCEPTION-INCREMENT\"."
  }

  state {
    paths = ["/var/lib/pdns"]
  }

  expose "dns" {
    protocol = "udp"
    port     = 53
    public   = true
  }
  expose "dns-tcp" {
    protocol = "tcp"
    port     = 53
    public   = true
  }

  health {
    unit = "pdns.service"
  }

  example = {}

  nixos = {
    "services.powerdns" = {
      enable      = true
      extraConfig = <<-EOT
        launch=lmdb
        lmdb-filename=/var/lib/pdns/pdns.lmdb
        local-address=0.0.0.0, ::
        local-port=53
        ${param.extra_config}
        EOT
    }
    # The upstream unit has no StateDirectory: make the database directory.
    "systemd.tmpfiles.settings" = {
      powerdns = {
        "/var/lib/pdns" = { d = { user = "pdns", group = "pdns", mode = "0750" } }
      }
    }
  }
}
