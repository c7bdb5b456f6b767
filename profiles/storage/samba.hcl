# Samba: SMB file shares for Windows, macOS and Linux desktops.
#
# One share, /srv/samba/<share>, writable by every Samba user, no guest
# access. Samba keeps its own password database: give an existing system
# user a Samba password on the host with `smbpasswd -a NAME`. Files are
# created group "users", group-writable, so users share them.
#
# Only smbd runs (SMB over TCP 445): nmbd (NetBIOS names) and winbindd
# (domain membership) are off. Windows finds the server by name through
# DNS or \\<address>\<share>. The port is closed unless `public` is set;
# SMB should not face the internet, use it on a LAN or over a VPN.
profile "samba" {
  summary  = "Samba SMB file share for desktops"
  category = "storage"
  module   = "services.samba"
  source   = "nixos/modules/services/network-filesystems/samba.nix"
  upstream = "https://www.samba.org"
  license  = "GPL-3.0-or-later"
  maturity = "stable"

  param "share" {
    type        = string
    default     = "files"
    description = "Name of the share, also its directory under /srv/samba."
    validation {
      condition     = can(regex("^[a-z0-9][a-z0-9_-]*$", param.share))
      error_message = "share is lowercase letters, digits, - and _."
    }
  }
  param "public" {
    type        = bool
    default     = false
    description = "Open port 445 in the firewall (a LAN or VPN in front of the machine, not the open internet)."
  }

  # The shared files, and Samba's password and state databases.
  state {
    paths = ["/srv/samba", "/var/lib/samba"]
  }

  expose "smb" {
    protocol = "tcp"
    port     = 445
    public   = param.public
  }

  health {
    unit = "samba-smbd.service"
  }

  example = {}

  nixos = {
    "services.samba" = {
      enable   = true
      nmbd     = { enable = false }
      winbindd = { enable = false }
      settings = {
        global = {
          "server min protocol" = "SMB2_10"
          "map to guest"        = "never"
          # Port 445 only, no NetBIOS session service on 139.
          "smb ports" = "445"
        }
        (param.share) = {
          path             = "/srv/samba/${param.share}"
          "read only"      = "no"
          "guest ok"       = "no"
          browseable       = "yes"
          "force group"    = "users"
          "create mask"    = "0664"
          "directory mask" = "2775"
        }
      }
    }
    "systemd.tmpfiles.settings" = {
      "10-samba-share" = {
        "/srv/samba/${param.share}" = {
          d = { user = "root", group = "users", mode = "2775" }
        }
      }
    }
  }
}
