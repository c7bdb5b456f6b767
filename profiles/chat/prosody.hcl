# Prosody, an XMPP (Jabber) server: chat with any XMPP client (Conversations,
# Dino, Gajim, Monal), federated with the rest of the XMPP network.
#
# - Users are <name>@<domain>. Registration is closed; add accounts with
#   prosodyctl adduser alice@example.org
# - TLS uses the Let's Encrypt certificate nginx obtains for the domain (the
#   http expose): prosody joins the nginx group to read it and is reloaded
#   when it is renewed. Until the first certificate exists prosody starts
#   without TLS for the domain.
# - Prosody's HTTP server (BOSH, WebSocket, file uploads) listens on
#   localhost and is served at https://<domain>/ through nginx.
# - Group chats live at conference.<domain>, uploads at upload.<domain>
#   (the two XEP-0423 components the module requires). Give
#   conference.<domain> a DNS record for users of other servers to join.
profile "prosody" {
  summary  = "XMPP chat server with group chats, uploads and federation"
  category = "chat"
  module   = "services.prosody"
  source   = "nixos/modules/services/networking/prosody.nix"
  upstream = "https://prosody.im"
  license  = "MIT"
  maturity = "beta"
  sso      = "ldap"

  param "domain" {
    type        = string
    description = "XMPP domain, the part after @ in addresses, e.g. example.org. Its DNS record must point at the machine (for the certificate)."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like example.org."
    }
  }
  param "admins" {
    type        = list(string)
    default     = []
    description = "Addresses of server administrators, e.g. [\"alice@example.org\"]."
  }
  param "http_port" {
    type        = number
    default     = 5280
    description = "Local port of prosody's HTTP server, behind nginx."
  }
  param "upload_size_limit" {
    type        = number
    default     = 10485760
    description = "Largest file a user can upload, in bytes."
  }

  # Accounts, rosters, archives and uploaded files.
  state {
    paths = ["/var/lib/prosody"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.http_port
  }
  expose "c2s" {
    protocol = "tcp"
    port     = 5222
    public   = true # clients
  }
  expose "s2s" {
    protocol = "tcp"
    port     = 5269
    public   = true # other XMPP servers
  }

  health {
    unit = "prosody.service"
  }

  example = { domain = "example.org" }

  nixos = {
    "services.prosody" = {
      enable            = true
      admins            = param.admins
      allowRegistration = false
      ssl = {
        cert = "/var/lib/acme/${param.domain}/fullchain.pem"
        key  = "/var/lib/acme/${param.domain}/key.pem"
      }
      virtualHosts = {
        (param.domain) = { domain = param.domain, enabled = true }
      }
      muc = [{ domain = "conference.${param.domain}", restrictRoomCreation = "local" }]
      httpFileShare = {
        domain            = "upload.${param.domain}"
        http_host         = param.domain
        http_external_url = "https://${param.domain}/"
        size_limit        = param.upload_size_limit
      }
      modules = { bosh = true, websocket = true }
      # HTTP on localhost only; nginx does HTTPS.
      httpInterfaces  = ["127.0.0.1"]
      httpPorts       = [param.http_port]
      httpsInterfaces = ["127.0.0.1"]
      httpsPorts      = []
      extraConfig     = <<-LUA
        http_external_url = "https://${param.domain}/"
        trusted_proxies = { "127.0.0.1", "::1" }
        consider_bosh_secure = true
        consider_websocket_secure = true
      LUA
    }
    # The certificate directory is readable by the nginx group.
    "users.users.prosody" = { extraGroups = ["nginx"] }
    "security.acme.certs" = {
      (param.domain) = { reloadServices = ["prosody.service"] }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.upload_size_limit};" }
    }
  }
}
