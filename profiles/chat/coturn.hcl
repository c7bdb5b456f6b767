# coturn, a TURN/STUN server: relays audio and video for WebRTC calls when
# the two ends cannot reach each other directly (NAT, strict firewalls).
# Matrix (Element calls), Jitsi, Nextcloud Talk and Galene can use it.
#
# Clients authenticate with short-lived credentials derived from a shared
# secret (TURN REST API, use-auth-secret): give the secret to the homeserver
# or app, e.g. Synapse's turn_shared_secret_path, and the URIs
#   turn:<domain>:3478?transport=udp  turn:<domain>:3478?transport=tcp
# The secret is generated here:
#   /var/lib/freecloud/secrets/<service>/static_auth_secret
#
# Plain TURN only (no TLS listener, which would need a certificate for the
# domain); media inside is encrypted end to end by WebRTC anyway.
# Relayed traffic uses UDP ports 49152-49161, each opened below: an expose
# takes one port, so the range is kept small (about five relayed calls at
# once). Relaying to private and loopback addresses is refused.
profile "coturn" {
  summary  = "TURN/STUN relay for WebRTC audio and video calls"
  category = "chat"
  module   = "services.coturn"
  source   = "nixos/modules/services/networking/coturn.nix"
  upstream = "https://github.com/coturn/coturn"
  license  = "BSD-3-Clause"
  maturity = "beta"
  sso      = "none"

  param "domain" {
    type        = string
    description = "Host name clients use for the TURN server and its realm, e.g. turn.example.org."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like turn.example.org."
    }
  }

  # coturn's start script (user turnserver) copies it into its runtime
  # configuration.
  secret "static_auth_secret" {
    generate = "hex"
    owner    = "turnserver"
    before   = ["coturn.service"]
  }

  expose "turn-udp" {
    protocol = "udp"
    port     = 3478
    public   = true
  }
  expose "turn-tcp" {
    protocol = "tcp"
    port     = 3478
    public   = true
  }
  expose "relay-49152" {
    protocol = "udp"
    port     = 49152
    public   = true
  }
  expose "relay-49153" {
    protocol = "udp"
    port     = 49153
    public   = true
  }
  expose "relay-49154" {
    protocol = "udp"
    port     = 49154
    public   = true
  }
  expose "relay-49155" {
    protocol = "udp"
    port     = 49155
    public   = true
  }
  expose "relay-49156" {
    protocol = "udp"
    port     = 49156
    public   = true
  }
  expose "relay-49157" {
    protocol = "udp"
    port     = 49157
    public   = true
  }
  expose "relay-49158" {
    protocol = "udp"
    port     = 49158
    public   = true
  }
  expose "relay-49159" {
    protocol = "udp"
    port     = 49159
    public   = true
  }
  expose "relay-49160" {
    protocol = "udp"
    port     = 49160
    public   = true
  }
  expose "relay-49161" {
    protocol = "udp"
    port     = 49161
    public   = true
  }

  health {
    unit = "coturn.service"
  }

  example = { domain = "turn.example.org" }

  nixos = {
    "services.coturn" = {
      enable                  = true
      realm                   = param.domain
      use-auth-secret         = true
      static-auth-secret-file = secret.static_auth_secret
      listening-port          = 3478
      min-port                = 49152
      max-port                = 49161
      no-tls                  = true
      no-dtls                 = true
      no-cli                  = true
      extraConfig             = <<-CONF
        no-multicast-peers
        denied-peer-ip=0.0.0.0-0.255.255.255
        denied-peer-ip=10.0.0.0-10.255.255.255
        denied-peer-ip=100.64.0.0-100.127.255.255
        denied-peer-ip=127.0.0.0-127.255.255.255
        denied-peer-ip=169.254.0.0-169.254.255.255
        denied-peer-ip=172.16.0.0-172.31.255.255
        denied-peer-ip=192.168.0.0-192.168.255.255
        denied-peer-ip=::1
        denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
        denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff
      CONF
    }
  }
}
