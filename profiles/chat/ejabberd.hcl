# ejabberd, an XMPP server in Erlang: scales from a family server to very
# large deployments; chat with any XMPP client, federated.
#
# The NixOS module only takes a whole configuration file, so the profile
# writes one (JSON is valid YAML) with nix(). It is checked when ejabberd
# starts, not when Nix evaluates: run `ejabberdctl status` after a change.
#
# - Users are <name>@<domain>; registration is closed. Add accounts with
#   ejabberdctl register alice example.org <password>
# - TLS uses the Let's Encrypt certificate nginx obtains for the domain (the
#   http expose): ejabberd joins the nginx group to read it and reloads its
#   configuration when it is renewed.
# - ejabberd's HTTP listener (BOSH, WebSocket, uploads, web admin under
#   /admin) is on localhost, served at https://<domain>/ through nginx.
# - Group chats live at conference.<domain>: give it a DNS record for users
#   of other servers to join.
profile "ejabberd" {
  summary  = "XMPP chat server (ejabberd) with group chats and uploads"
  category = "chat"
  module   = "services.ejabberd"
  source   = "nixos/modules/services/networking/ejabberd.nix"
  upstream = "https://www.ejabberd.im"
  license  = "GPL-2.0-or-later"
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
    default     = 5443
    description = "Local port of ejabberd's HTTP listener, behind nginx."
  }
  param "upload_size_limit" {
    type        = number
    default     = 10485760
    description = "Largest file a user can upload, in bytes."
  }

  # Mnesia database (accounts, rosters, archives) and uploaded files.
  state {
    paths = ["/var/lib/ejabberd"]
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
    unit = "ejabberd.service"
  }

  example = { domain = "example.org" }

  nixos = {
    "services.ejabberd" = {
      enable = true
      configFile = nix(format("pkgs.writeText \"ejabberd.yml\" ''%s''", jsonencode({
        hosts     = [param.domain]
        loglevel  = "info"
        certfiles = ["/var/lib/acme/${param.domain}/fullchain.pem", "/var/lib/acme/${param.domain}/key.pem"]
        listen = [
          { port = 5222, ip = "::", module = "ejabberd_c2s", starttls_required = true, max_stanza_size = 262144, shaper = "c2s_shaper", access = "c2s" },
          { port = 5269, ip = "::", module = "ejabberd_s2s_in", max_stanza_size = 524288 },
          { port = param.http_port, ip = "127.0.0.1", module = "ejabberd_http", tls = false, request_handlers = {
            "/admin"  = "ejabberd_web_admin"
            "/bosh"   = "mod_bosh"
            "/ws"     = "ejabberd_http_ws"
            "/upload" = "mod_http_upload"
          } },
        ]
        s2s_use_starttls = "required"
        acl = {
          admin    = { user = param.admins }
          local    = { user_regexp = "" }
          loopback = { ip = ["127.0.0.0/8", "::1/128"] }
        }
        access_rules = {
          local             = { allow = "local" }
          c2s               = { allow = "all" }
          announce          = { allow = "admin" }
          configure         = { allow = "admin" }
          muc_create        = { allow = "local" }
          pubsub_createnode = { allow = "local" }
          trusted_network   = { allow = "loopback" }
        }
        api_permissions = {
          "console commands" = { from = ["ejabberd_ctl"], who = "all", what = "*" }
          "admin access"     = { who = { access = { allow = [{ acl = "loopback" }, { acl = "admin" }] } }, what = ["*", "!stop", "!start"] }
        }
        shaper       = { normal = { rate = 3000, burst_size = 20000 }, fast = 100000 }
        shaper_rules = { max_user_sessions = 10, max_user_offline_messages = 1000, c2s_shaper = { none = "admin", normal = "all" }, s2s_shaper = "fast" }
        modules = {
          mod_adhoc          = {}
          mod_admin_extra    = {}
          mod_announce       = { access = "announce" }
          mod_avatar         = {}
          mod_blocking       = {}
          mod_bosh           = {}
          mod_caps           = {}
          mod_carboncopy     = {}
          mod_client_state   = {}
          mod_configure      = {}
          mod_disco          = {}
          mod_fail2ban       = {}
          mod_http_api       = {}
          mod_http_upload    = { put_url = "https://${param.domain}/upload", max_size = param.upload_size_limit, docroot = "/var/lib/ejabberd/upload" }
          mod_last           = {}
          mod_mam            = { assume_mam_usage = true, default = "always" }
          mod_muc            = { host = "conference.${param.domain}", access = ["allow"], access_admin = [{ allow = "admin" }], access_create = "muc_create", access_persistent = "muc_create", access_mam = ["allow"], default_room_options = { mam = true } }
          mod_muc_admin      = {}
          mod_offline        = { access_max_user_messages = "max_user_offline_messages" }
          mod_ping           = {}
          mod_privacy        = {}
          mod_private        = {}
          mod_proxy65        = { access = "local", max_connections = 5 }
          mod_pubsub         = { access_createnode = "pubsub_createnode", plugins = ["flat", "pep"], force_node_config = { "storage:bookmarks" = { access_model = "whitelist" } } }
          mod_push           = {}
          mod_push_keepalive = {}
          mod_register       = { ip_access = "trusted_network" }
          mod_roster         = { versioning = true }
          mod_s2s_dialback   = {}
          mod_shared_roster  = {}
          mod_stream_mgmt    = { resend_on_timeout = "if_offline" }
          mod_vcard          = {}
          mod_vcard_xupdate  = {}
          mod_version        = { show_os = false }
        }
      })))
    }
    # The certificate directory is readable by the nginx group.
    "users.users.ejabberd" = { extraGroups = ["nginx"] }
    "security.acme.certs" = {
      (param.domain) = { reloadServices = ["ejabberd.service"] }
    }
    "services.nginx.virtualHosts" = {
      (param.domain) = { extraConfig = "client_max_body_size ${param.upload_size_limit};" }
    }
  }
}
