# Woodpecker CI server: pipelines defined in .woodpecker/*.yaml of the
# repositories of a forge (Forgejo, Gitea, GitLab or GitHub). Users sign in
# with their forge account (OAuth). Pipelines run on agents: the
# woodpecker-agent profile, on this machine or others.
#
# - Create an OAuth application on the forge with the redirect URI
#   https://<domain>/authorize; its client ID is a parameter, its secret
#   goes into the provided environment file together with the agent
#   secret, which every agent must share:
#     printf 'WOODPECKER_FORGEJO_SECRET=%s\nWOODPECKER_AGENT_SECRET=%s\n' \
#       "<client secret>" "$(openssl rand -hex 32)" \
#       | freecloud secrets set <service> env
#   (WOODPECKER_GITEA_SECRET, _GITLAB_ or _GITHUB_ for the other forges.)
# - PostgreSQL through the local socket. The server runs as a dynamic
#   user named woodpecker-server, which peer auth maps to the role of the
#   same name.
# - Agents connect to the gRPC port (9000 by default). It stays closed in
#   the firewall unless grpc_public is set; agents on this machine need
#   nothing.
profile "woodpecker-server" {
  summary  = "Woodpecker CI server: pipelines for the repositories of a forge"
  category = "forges"
  module   = "services.woodpecker-server"
  source   = "nixos/modules/services/continuous-integration/woodpecker/server.nix"
  upstream = "https://woodpecker-ci.org"
  license  = "Apache-2.0"
  maturity = "beta"
  sso      = "oidc" # sign-in through the forge's OAuth

  param "domain" {
    type        = string
    description = "Public host name, e.g. ci.example.org. Its DNS record must point at the machine for the certificate."
    validation {
      condition     = can(regex("^[a-z0-9.-]+$", param.domain))
      error_message = "domain is a DNS name like ci.example.org."
    }
  }
  param "port" {
    type        = number
    default     = 8000
    description = "Local port of the web interface and API, behind nginx."
  }
  param "grpc_port" {
    type        = number
    default     = 9000
    description = "Port agents connect to."
  }
  param "grpc_public" {
    type        = bool
    default     = false
    description = "Open the agent port in the firewall, for agents on other machines."
  }
  param "forge" {
    type        = string
    default     = "forgejo"
    description = "The forge: forgejo, gitea, gitlab or github."
    validation {
      condition     = contains(["forgejo", "gitea", "gitlab", "github"], param.forge)
      error_message = "forge is one of forgejo, gitea, gitlab, github."
    }
  }
  param "forge_url" {
    type        = string
    description = "Address of the forge, e.g. https://code.example.org (https://github.com for GitHub)."
  }
  param "client_id" {
    type        = string
    description = "Client ID of the OAuth application created on the forge."
  }
  param "admins" {
    type        = list(string)
    default     = []
    description = "Forge user names that are Woodpecker administrators."
  }
  param "open" {
    type        = bool
    default     = false
    description = "Let every user of the forge sign in. Off: only the admins and users they add."
  }

  # Read by systemd (EnvironmentFile=), as root.
  secret "env" {
    provided    = true
    before      = ["woodpecker-server.service"]
    description = "Environment file with WOODPECKER_AGENT_SECRET=<shared agent secret> and WOODPECKER_<FORGE>_SECRET=<OAuth client secret>"
  }

  state {
    paths     = ["/var/lib/private/woodpecker-server"]
    databases = ["postgresql:woodpecker-server"]
  }

  expose "web" {
    protocol = "http"
    domain   = param.domain
    port     = param.port
  }
  expose "grpc" {
    protocol = "tcp"
    port     = param.grpc_port
    public   = param.grpc_public
  }

  health {
    unit = "woodpecker-server.service"
    http = "/healthz"
  }

  example = {
    domain    = "ci.example.org"
    forge_url = "https://code.example.org"
    client_id = "00000000-0000-0000-0000-000000000000"
  }

  nixos = {
    "services.woodpecker-server" = {
      enable = true
      environment = {
        WOODPECKER_HOST                                      = "https://${param.domain}"
        WOODPECKER_SERVER_ADDR                               = "127.0.0.1:${param.port}"
        WOODPECKER_GRPC_ADDR                                 = ":${param.grpc_port}"
        WOODPECKER_OPEN                                      = param.open ? "true" : "false"
        WOODPECKER_ADMIN                                     = join(",", param.admins)
        WOODPECKER_DATABASE_DRIVER                           = "postgres"
        WOODPECKER_DATABASE_DATASOURCE                       = "postgres://woodpecker-server@/woodpecker-server?host=/run/postgresql&sslmode=disable"
        (format("WOODPECKER_%s", upper(param.forge)))        = "true"
        (format("WOODPECKER_%s_URL", upper(param.forge)))    = param.forge_url
        (format("WOODPECKER_%s_CLIENT", upper(param.forge))) = param.client_id
      }
      environmentFile = [secret.env]
    }
  }
}
