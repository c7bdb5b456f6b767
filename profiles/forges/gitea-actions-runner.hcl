# A runner for Gitea Actions and Forgejo Actions (act_runner): it picks up
# workflow jobs from one forge and runs them on this machine.
#
# - Jobs run directly on the host ("native:host" labels), as a dynamic
#   system user with bash, coreutils, curl, git, nodejs and wget; no
#   container runtime is needed. Workflows that `runs-on: native` use it.
#   Host jobs are not isolated from each other: use it for trusted
#   repositories.
# - Registration needs a token from the forge (site, organisation or
#   repository settings, Actions, Runners). The module reads it from an
#   environment file, so the operator provides one line:
#     echo TOKEN=<registration token> | freecloud secrets set <service> token
#   A changed token or label list registers the runner again.
# - One runner per service: several may share a machine (one per forge or
#   organisation). Their state is in /var/lib/gitea-runner/<service>.
profile "gitea-actions-runner" {
  summary        = "Runner for Gitea and Forgejo Actions workflows"
  category       = "forges"
  module         = "services.gitea-actions-runner"
  source         = "nixos/modules/services/continuous-integration/gitea-actions-runner.nix"
  upstream       = "https://gitea.com/gitea/act_runner"
  license        = "MIT"
  maturity       = "beta"
  sso            = "none"
  multi_instance = true

  param "url" {
    type        = string
    description = "Base URL of the Gitea or Forgejo instance, e.g. https://code.example.org"
    validation {
      condition     = can(regex("^https?://", param.url))
      error_message = "url is the forge's address, like https://code.example.org."
    }
  }
  param "labels" {
    type        = list(string)
    default     = ["native:host"]
    description = "Labels workflows select the runner with, as name:host (jobs on this machine). Container labels (name:docker://image) need Docker or Podman on the machine, which this profile does not set up."
  }

  # Read by systemd (EnvironmentFile=), as root.
  secret "token" {
    provided    = true
    description = "Environment file with the runner registration token from the forge: TOKEN=<token>"
  }

  # The registration (.runner) and the job cache; re-registering works too.
  state {
    paths = ["/var/lib/private/gitea-runner"]
  }

  example = { url = "https://code.example.org" }

  nixos = {
    "services.gitea-actions-runner.instances" = {
      (service.name) = {
        enable    = true
        name      = service.machine
        url       = param.url
        labels    = param.labels
        tokenFile = secret.token
      }
    }
  }
}
