# A Woodpecker CI agent: runs the pipeline steps the woodpecker-server
# hands out.
#
# - The "local" backend runs steps directly on this machine, as a dynamic
#   system user, with git, bash and coreutils (plus the `packages`
#   parameter) on the PATH; no container runtime is needed, and `image:`
#   in pipelines is ignored. Steps are not isolated from each other: use it
#   for trusted repositories.
# - The agent authenticates with the server's shared agent secret, in a
#   provided environment file:
#     echo WOODPECKER_AGENT_SECRET=<the server's secret> \
#       | freecloud secrets set <service> env
# - One agent per service: several may share a machine.
profile "woodpecker-agent" {
  summary        = "Woodpecker CI agent running pipeline steps on this machine"
  category       = "forges"
  module         = "services.woodpecker-agents"
  source         = "nixos/modules/services/continuous-integration/woodpecker/agents.nix"
  upstream       = "https://woodpecker-ci.org"
  license        = "Apache-2.0"
  maturity       = "beta"
  sso            = "none"
  multi_instance = true

  param "server" {
    type        = string
    default     = "127.0.0.1:9000"
    description = "gRPC address of the Woodpecker server, host:port (the server's grpc_port)."
  }
  param "max_workflows" {
    type        = number
    default     = 1
    description = "Workflows this agent runs at the same time."
  }
  param "packages" {
    type        = list(string)
    default     = []
    description = "Extra nixpkgs attribute names on the PATH of pipeline steps, e.g. [\"nodejs\", \"gnumake\"]."
    validation {
      condition     = can(regex("^[A-Za-z0-9_.-]*$", join("", param.packages)))
      error_message = "packages are nixpkgs attribute names like nodejs or python3Packages.pip."
    }
  }

  # Read by systemd (EnvironmentFile=), as root.
  secret "env" {
    provided    = true
    description = "Environment file with the server's shared secret: WOODPECKER_AGENT_SECRET=<secret>"
  }

  example = {}

  nixos = {
    "services.woodpecker-agents.agents" = {
      (service.name) = {
        enable = true
        environment = {
          WOODPECKER_SERVER        = param.server
          WOODPECKER_BACKEND       = "local"
          WOODPECKER_MAX_WORKFLOWS = tostring(param.max_workflows)
          WOODPECKER_HOSTNAME      = "${service.machine}-${service.name}"
        }
        environmentFile = [secret.env]
        path            = nix(format("with pkgs; [ git git-lfs woodpecker-plugin-git bash coreutils %s ]", join(" ", param.packages)))
      }
    }
  }
}
