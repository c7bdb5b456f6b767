# step-ca: a private certificate authority with an ACME server, for TLS
# inside your network: machines and services get certificates from it the
# way they do from Let's Encrypt (certbot, Caddy, NixOS security.acme with
# server = "https://<dns_name>:<port>/acme/acme/directory").
#
# - First start: a root CA and an intermediate CA are created in
#   /var/lib/private/step-ca (the module runs step-ca with DynamicUser).
#   Both private keys are encrypted with the generated password, which the
#   module passes with LoadCredential. Distribute certs/root_ca.crt to the
#   clients that must trust the CA. Back up the whole directory: losing it
#   means re-issuing every certificate.
# - One ACME provisioner named "acme". Certificates live 24 hours by
#   default (step-ca's default); clients renew them automatically.
# - step-ca serves HTTPS with its own certificate on `port`, not through
#   nginx. The firewall keeps the port closed unless public = true.
profile "step-ca" {
  summary  = "Private certificate authority with an ACME server for internal TLS"
  category = "security"
  module   = "services.step-ca"
  source   = "nixos/modules/services/security/step-ca.nix"
  upstream = "https://smallstep.com/docs/step-ca/"
  license  = "Apache-2.0"
  maturity = "beta"
  sso      = "none"

  param "dns_name" {
    type        = string
    description = "Name clients reach the CA under, e.g. ca.example.internal. Goes into the CA's own certificate."
  }
  param "ca_name" {
    type        = string
    default     = "freecloud"
    description = "Name shown in the CA certificates' subjects."
  }
  param "port" {
    type        = number
    default     = 9443
    description = "HTTPS port of the CA."
  }
  param "public" {
    type        = bool
    default     = false
    description = "Open the port in the firewall (for clients on other machines outside the mesh)."
  }

  secret "key_password" {
    generate    = "password"
    before      = ["step-ca.service"]
    description = "Password encrypting the root and intermediate CA keys"
  }

  state {
    paths = ["/var/lib/private/step-ca"]
  }

  expose "ca" {
    protocol = "tcp"
    port     = param.port
    public   = param.public
  }

  health {
    unit = "step-ca.service"
  }

  example = { dns_name = "ca.example.internal" }

  nixos = {
    "services.step-ca" = {
      enable                   = true
      address                  = "0.0.0.0"
      port                     = param.port
      intermediatePasswordFile = secret.key_password
      settings = {
        root     = "/var/lib/step-ca/certs/root_ca.crt"
        crt      = "/var/lib/step-ca/certs/intermediate_ca.crt"
        key      = "/var/lib/step-ca/secrets/intermediate_ca_key"
        dnsNames = [param.dns_name]
        logger   = { format = "text" }
        db = {
          type       = "badgerv2"
          dataSource = "/var/lib/step-ca/db"
        }
        authority = {
          provisioners = [{ type = "ACME", name = "acme" }]
        }
      }
    }
    # Create the CA on the first start, in the state directory, with the
    # password the module loads as a credential.
    "systemd.services.step-ca" = {
      path     = [nix("pkgs.step-cli")]
      preStart = <<-EOT
        cd /var/lib/step-ca
        if [ ! -e certs/intermediate_ca.crt ]; then
          mkdir -p certs secrets
          pw="$CREDENTIALS_DIRECTORY/intermediate_password"
          step certificate create '${param.ca_name} Root CA' certs/root_ca.crt secrets/root_ca_key \
            --profile root-ca --password-file "$pw"
          step certificate create '${param.ca_name} Intermediate CA' certs/intermediate_ca.crt secrets/intermediate_ca_key \
            --profile intermediate-ca --ca certs/root_ca.crt --ca-key secrets/root_ca_key \
            --ca-password-file "$pw" --password-file "$pw"
        fi
      EOT
    }
  }
}
