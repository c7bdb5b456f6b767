# Murmur, the Mumble server: low-latency voice chat for groups and gaming.
# Clients connect straight to the machine on TCP and UDP 64738; there is no
# web part, so no reverse proxy.
#
# Without a certificate Murmur makes a self-signed one on first start;
# Mumble clients ask once to trust it. The server is open to anyone who
# knows the address: a join password can only be given to the module in
# clear text (in the Nix store), so set up access in the client as
# SuperUser instead (its password is printed in the journal on first start,
# or set it with: mumble-server -ini /run/murmur/murmurd.ini -supw <pw>).
profile "murmur" {
  summary  = "Mumble voice chat server"
  category = "chat"
  module   = "services.murmur"
  source   = "nixos/modules/services/networking/murmur.nix"
  upstream = "https://www.mumble.info"
  license  = "BSD-3-Clause"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    default     = 64738
    description = "TCP and UDP port clients connect to (opened in the firewall)."
  }
  param "name" {
    type        = string
    default     = "Mumble"
    description = "Name of the server, also the name of its root channel."
  }
  param "welcome_text" {
    type        = string
    default     = ""
    description = "Message shown to users when they connect."
  }
  param "max_users" {
    type        = number
    default     = 100
    description = "Maximum number of users connected at once."
  }

  # SQLite database with channels, registered users and ACLs; the
  # self-signed certificate is kept there too.
  state {
    paths = ["/var/lib/murmur"]
  }

  expose "voice-tcp" {
    protocol = "tcp"
    port     = param.port
    public   = true
  }
  expose "voice-udp" {
    protocol = "udp"
    port     = param.port
    public   = true
  }

  health {
    unit = "murmur.service"
  }

  example = {}

  nixos = {
    "services.murmur" = {
      enable       = true
      port         = param.port
      registerName = param.name
      welcometext  = param.welcome_text
      users        = param.max_users
      # Firewall ports come from the exposes above.
      openFirewall = false
    }
  }
}
