package generator

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// machineryProfiles exercise what the generator adds around profiles: web
// routes, databases, provided secrets, single and multiple instances.
var machineryProfiles = fstest.MapFS{
	"networking/reverse-proxy.hcl": {Data: []byte(`profile "reverse-proxy" {
  summary = "proxy"
  category = "networking"
  module = "services.nginx"
  expose "http" {
    port = 80
    public = true
  }
  expose "https" {
    port = 443
    public = true
  }
  nixos = { "services.nginx.enable" = true }
}`)},
	"databases/postgresql.hcl": {Data: []byte(`profile "postgresql" {
  summary = "pg"
  category = "databases"
  module = "services.postgresql"
  nixos = { "services.postgresql.enable" = true }
}`)},
	"databases/mysql.hcl": {Data: []byte(`profile "mysql" {
  summary = "mariadb"
  category = "databases"
  module = "services.mysql"
  nixos = { "services.mysql.enable" = true }
}`)},
	"forges/forge.hcl": {Data: []byte(`profile "forge" {
  summary = "a forge"
  category = "forges"
  module = "services.forge"
  param "domain" { type = string }
  param "port" {
    type = number
    default = 3000
  }
  secret "smtp_password" {
    provided = true
    owner = "forge"
  }
  secret "app_key" {
    generate = "base64"
    env = "APP_KEY"
    prefix = "base64:"
  }
  state {
    paths = ["/var/lib/forge"]
    databases = ["postgresql:forge", "mysql:forge_legacy"]
  }
  expose "web" {
    protocol = "http"
    domain = param.domain
    port = param.port
  }
  expose "ssh" {
    port = 2222
    public = true
  }
  nixos = { "services.forge" = { enable = true, mailerPasswordFile = secret.smtp_password } }
}`)},
	"office/suite.hcl": {Data: []byte(`profile "suite" {
  summary = "serves its own vhost"
  category = "office"
  module = "services.suite"
  param "domain" { type = string }
  state { databases = ["postgresql:suite"] }
  expose "web" {
    protocol = "http"
    domain = param.domain
  }
  nixos = { "services.suite.enable" = true }
}`)},
	"databases/cache.hcl": {Data: []byte(`profile "cache" {
  summary = "named instances"
  category = "databases"
  module = "services.redis.servers"
  multi_instance = true
  param "port" { type = number }
  expose "redis" { port = param.port }
  nixos = { "services.redis.servers" = { (service.name) = { enable = true, port = param.port } } }
}`)},
}

const machineryBase = `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
  admins   = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@laptop"]
}
`

func generateWith(t *testing.T, fsys fstest.MapFS, src string) (Tree, hcl.Diagnostics) {
	t.Helper()
	return build(t, fsys, map[string]string{"main.fc.hcl": src})
}

func TestWebRoutesDatabasesAndSecrets(t *testing.T) {
	tree, diags := generateWith(t, machineryProfiles, machineryBase+`
service "git" {
  profile = "forge"
  machine = machine.web1
  with    = { domain = "git.acme.example" }
}
service "docs" {
  profile = "suite"
  machine = machine.web1
  with    = { domain = "docs.acme.example" }
}
`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	conf := string(tree["hosts/web1/configuration.nix"])
	for _, want := range []string{
		// The web route of the forge proxies to its port; the suite's
		// module serves its own virtual host, which only gets TLS.
		`freecloud.web = {
    "docs.acme.example" = { };
    "git.acme.example".locations."/".port = 3000;
  };`,
		// Databases of both services, by engine, engines pulled in.
		`freecloud.databases = {
    mysql = [ "forge_legacy" ];
    postgresql = [ "forge" "suite" ];
  };`,
		"mysql (profile mysql, required by git)",
		"postgresql (profile postgresql, required by docs)",
		"reverse-proxy (profile reverse-proxy, required by docs)",
		// Public ports only: the proxy's and the forge's ssh, not 3000.
		`networking.firewall.allowedTCPPorts = [ 80 443 2222 ];`,
		// A provided secret is a path under /run, checked by its unit.
		`mailerPasswordFile = "/run/freecloud/secrets/git/smtp_password";`,
		`smtp_password = {`,
		`provided = true;`,
		`env = "APP_KEY";`,
		`prefix = "base64:";`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("configuration.nix lacks\n%s\n---\n%s", want, conf)
		}
	}
	parseTree(t, tree)
}

func TestInstanceRules(t *testing.T) {
	tests := []struct {
		name, services, want string
	}{
		{
			name: "single-instance profile twice on a machine",
			services: `
service "a" {
  profile = "suite"
  machine = machine.web1
  with    = { domain = "a.acme.example" }
}
service "b" {
  profile = "suite"
  machine = machine.web1
  with    = { domain = "b.acme.example" }
}`,
			want: `Service "b" uses profile "suite" on machine "web1", like service "a"`,
		},
		{
			name: "two services on one port",
			services: `
service "a" {
  profile = "cache"
  machine = machine.web1
  with    = { port = 6379 }
}
service "b" {
  profile = "cache"
  machine = machine.web1
  with    = { port = 6379 }
}`,
			want: `both use port 6379/tcp`,
		},
		{
			name: "two services on one domain",
			services: `
service "a" {
  profile = "forge"
  machine = machine.web1
  with    = { domain = "x.acme.example" }
}
service "b" {
  profile = "suite"
  machine = machine.web1
  with    = { domain = "x.acme.example" }
}`,
			want: `both use https://x.acme.example/`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := generateWith(t, machineryProfiles, machineryBase+tt.services)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", diags, tt.want)
			}
			if !strings.Contains(diags.Error(), "main.fc.hcl") {
				t.Errorf("the error does not point at the operator's file: %v", diags)
			}
		})
	}
	// Named instances on distinct ports are fine.
	_, diags := generateWith(t, machineryProfiles, machineryBase+`
service "sessions" {
  profile = "cache"
  machine = machine.web1
  with    = { port = 6379 }
}
service "queue" {
  profile = "cache"
  machine = machine.web1
  with    = { port = 6380 }
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
}

func TestBackups(t *testing.T) {
	services := `
service "git" {
  profile = "forge"
  machine = machine.web1
  with    = { domain = "git.acme.example" }
}
`
	// Without a backup, state gets a warning, not an error.
	_, diags := generateWith(t, machineryProfiles, machineryBase+services)
	if diags.HasErrors() || !strings.Contains(diags.Error(), "keeps state (/var/lib/forge, mysql:forge_legacy, postgresql:forge) but has no backup") {
		t.Errorf("want a warning about state without backup, got %v", diags)
	}

	tree, diags := generateWith(t, machineryProfiles, machineryBase+services+`
backup {
  repository = "s3:https://s3.example.org/backups/"
  schedule   = "02:30"
}
`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	conf := string(tree["hosts/web1/configuration.nix"])
	for _, want := range []string{
		`repository = "s3:https://s3.example.org/backups/web1";`,
		`schedule = "02:30";`,
		`paths = [ "/var/lib/forge" ];`,
		`mysql = [ "forge_legacy" ];`,
		`postgresql = [ "forge" ];`,
		`passwordFile = "/run/freecloud/secrets/backup/password";`,
		`environmentFile = "/run/freecloud/secrets/backup/environment";`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("configuration.nix lacks %s\n%s", want, conf)
		}
	}
	parseTree(t, tree)
}
