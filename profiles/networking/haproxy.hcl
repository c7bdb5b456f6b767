# HAProxy as a TCP (or HTTP) load balancer for one public port: spreads
# connections over backend servers and takes failed ones out of rotation
# with health checks. For web sites on 80/443 use the reverse proxy
# instead: nginx owns those ports on machines with web services.
#
# The statistics page stays on localhost (ssh -L 8404:localhost:8404).
profile "haproxy" {
  summary  = "TCP/HTTP load balancer in front of a set of backend servers"
  category = "networking"
  module   = "services.haproxy"
  source   = "nixos/modules/services/networking/haproxy.nix"
  upstream = "https://www.haproxy.org"
  license  = "GPL-2.0-or-later"
  maturity = "stable"
  sso      = "none"

  param "port" {
    type        = number
    description = "Public port HAProxy listens on (not 80 or 443, which nginx owns)."
    validation {
      condition     = param.port > 0 && param.port < 65536 && param.port != 80 && param.port != 443
      error_message = "port is a TCP port other than 80 and 443."
    }
  }
  param "backends" {
    type        = list(string)
    description = "Backend servers as host:port, e.g. [\"10.0.0.2:5432\", \"10.0.0.3:5432\"]."
    validation {
      condition     = length(param.backends) > 0
      error_message = "backends lists at least one host:port."
    }
  }
  param "mode" {
    type        = string
    default     = "tcp"
    description = "tcp (any protocol, layer 4) or http (layer 7, adds X-Forwarded-For)."
    validation {
      condition     = contains(["tcp", "http"], param.mode)
      error_message = "mode is tcp or http."
    }
  }
  param "stats_port" {
    type        = number
    default     = 8404
    description = "Local port of the statistics page."
  }

  expose "frontend" {
    protocol = "tcp"
    port     = param.port
    public   = true
  }
  expose "stats" {
    protocol = "tcp"
    port     = param.stats_port
  }

  health {
    unit = "haproxy.service"
  }

  example = { port = 5000, backends = ["10.0.0.2:5000", "10.0.0.3:5000"] }

  nixos = {
    "services.haproxy" = {
      enable = true
      # The module opens the `global` section (its stats socket): the first
      # lines below continue it.
      config = <<-EOT
          log /dev/log local0
          maxconn 4096

        defaults
          log global
          mode ${param.mode}
          option ${param.mode == "http" ? "httplog" : "tcplog"}
          timeout connect 5s
          timeout client 1m
          timeout server 1m

        frontend main
          bind :${param.port}
          ${param.mode == "http" ? "option forwardfor" : "# no forwardfor in tcp mode"}
          default_backend servers

        backend servers
          balance roundrobin
          ${join("\n  ", [for i, b in param.backends : "server s${i} ${b} check"])}

        frontend stats
          mode http
          bind 127.0.0.1:${param.stats_port}
          stats enable
          stats uri /
          stats refresh 10s
        EOT
    }
  }
}
