# frp client (frpc): publishes services of a machine that has no public
# address (home server, behind NAT or CGNAT) through a frp server elsewhere.
# Outgoing connection only: nothing to open here. Each proxy maps a local
# port to a port on the server, e.g. local SSH to server port 6000.
#
# The token is read from an environment file (frp expands
# {{ .Envs.NAME }} in its config), so it never reaches the Nix store.
# The configuration is written as TOML text (extraConfig), the module's
# settings staying empty.
profile "frp-client" {
  summary  = "Expose local services through a remote frp server (reverse tunnel)"
  category = "networking"
  module   = "services.frp"
  source   = "nixos/modules/services/networking/frp.nix"
  upstream = "https://gofrp.org"
  license  = "Apache-2.0"
  maturity = "beta"
  sso      = "none"

  param "server_addr" {
    type        = string
    description = "Host name or address of the frp server (frps)."
  }
  param "server_port" {
    type        = number
    default     = 7000
    description = "The frp server's bindPort."
  }
  param "proxies" {
    type        = list(object({ name = string, type = string, local_port = number, remote_port = number }))
    description = "Ports to publish, e.g. [{ name = \"ssh\", type = \"tcp\", local_port = 22, remote_port = 6000 }]."
    validation {
      condition     = alltrue([for p in param.proxies : contains(["tcp", "udp"], p.type) && can(regex("^[A-Za-z0-9_-]+$", p.name))])
      error_message = "Each proxy has a name of letters, digits, - and _, and type tcp or udp."
    }
  }

  secret "env" {
    provided    = true
    description = "Environment file with the frp server's token, one line: FRP_AUTH_TOKEN=<token>"
    before      = ["frp-client.service"]
  }

  health {
    unit = "frp-client.service"
  }

  example = {
    server_addr = "frp.example.org"
    proxies     = [{ name = "ssh", type = "tcp", local_port = 22, remote_port = 6000 }]
  }

  nixos = {
    "services.frp" = {
      instances = {
        client = {
          enable           = true
          role             = "client"
          environmentFiles = [secret.env]
          # The whole frpc.toml as text: its token line is a placeholder
          # that frp fills from the environment file at start.
          extraConfig = <<-EOT
            serverAddr = "${param.server_addr}"
            serverPort = ${param.server_port}
            auth.method = "token"
            auth.token = "{{ .Envs.FRP_AUTH_TOKEN }}"
            %{for p in param.proxies~}

            [[proxies]]
            name = "${p.name}"
            type = "${p.type}"
            localIP = "127.0.0.1"
            localPort = ${p.local_port}
            remotePort = ${p.remote_port}
            %{endfor~}
            EOT
        }
      }
    }
  }
}
