package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

// testCatalogue is a small catalogue so these tests do not depend on the
// real profiles' parameters.
func testCatalogue(t *testing.T) *profiles.Catalogue {
	t.Helper()
	cat, diags := profiles.Load(fstest.MapFS{
		"web/site.hcl": {Data: []byte(`
profile "site" {
  summary  = "A test site"
  category = "web"
  module   = "services.nginx"
  requires = ["db"]
  param "domain" { type = string }
  param "ports" {
    type    = list(number)
    default = [443]
    validation {
      condition     = alltrue([for p in param.ports : p > 0 && p < 65536])
      error_message = "Ports are between 1 and 65535."
    }
  }
  nixos = { "services.nginx.enable" = true }
}`)},
		"databases/db.hcl": {Data: []byte(`
profile "db" {
  summary  = "A test database"
  category = "databases"
  module   = "services.postgresql"
  nixos    = { "services.postgresql.enable" = true }
}`)},
	}, "testprofiles")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cat
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const validBase = `deployment "acme" {}

provider "hetzner" "eu" {}

machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
}
`

// bareMetal is a deployment whose last machine block is left open at line
// 6, for cases that add attributes from line 7.
const bareMetal = `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"`

func load(t *testing.T, files map[string]string, opts Options) (*Deployment, hcl.Diagnostics) {
	t.Helper()
	if opts.Catalogue == nil {
		opts.Catalogue = testCatalogue(t)
	}
	dep, _, diags := Load(writeDir(t, files), opts)
	return dep, diags
}

func TestLoadValid(t *testing.T) {
	dep, diags := load(t, map[string]string{
		"main.fc.hcl": validBase + `
variable "domain" { default = "acme.example" }

locals {
  site = "www.${var.domain}"
}

service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = local.site, ports = ["80", 443] }
}

output "where" { value = "${service.www.machine} ${machine.web1.location}" }
`,
	}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if dep.Name != "acme" || len(dep.Machines) != 1 || len(dep.Services) != 1 {
		t.Fatalf("unexpected model: %+v", dep)
	}
	s := dep.Services[0]
	if s.Machine != dep.Machines[0] || s.Params["domain"].AsString() != "www.acme.example" {
		t.Errorf("service not wired: %+v", s)
	}
	if got := s.Params["ports"].AsValueSlice(); len(got) != 2 || got[0].AsBigFloat().String() != "80" {
		t.Errorf("ports not converted to list(number): %#v", s.Params["ports"])
	}
	if dep.Machines[0].Platform != "x86_64-linux" || dep.Machines[0].StateVersion != DefaultStateVersion {
		t.Errorf("machine defaults: %+v", dep.Machines[0])
	}
	if got := dep.Outputs[0].Value.AsString(); got != "web1 fsn1" {
		t.Errorf("output = %q", got)
	}
}

func TestLoadJSONSyntax(t *testing.T) {
	dep, diags := load(t, map[string]string{
		"main.fc.json": `{
  "deployment": {"acme": {}},
  "provider": {"baremetal": {"office": {}}},
  "machine": {"nas1": {"provider": "${provider.baremetal.office}", "address": "203.0.113.7", "country": "DE"}},
  "service": {"db": {"profile": "db", "machine": "${machine.nas1}"}}
}`,
	}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if dep.Machines[0].Country != "DE" || dep.Services[0].Profile.Name != "db" {
		t.Fatalf("unexpected model: %+v %+v", dep.Machines[0], dep.Services[0])
	}
	if m := dep.Machines[0]; m.Port != 22 || m.User != "root" {
		t.Errorf("SSH login defaults: port %d, user %q; want 22, root", m.Port, m.User)
	}
}

func TestLoadMachineSSHLogin(t *testing.T) {
	dep, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  port     = 2222
  user     = "deploy"
}
output "login" {
  value = "${machine.nas1.user}@${machine.nas1.address}:${machine.nas1.port}"
}`}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if m := dep.Machines[0]; m.Port != 2222 || m.User != "deploy" {
		t.Errorf("port %d, user %q; want 2222, deploy", m.Port, m.User)
	}
	if got := dep.Outputs[0].Value.AsString(); got != "deploy@203.0.113.7:2222" {
		t.Errorf("output = %q", got)
	}

	// Cloud servers are logged in to over SSH too (to install and deploy
	// them), with the same attributes; what a cloud kind ignores is warned
	// about.
	dep, diags = load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  port     = 2222
  country  = "DE"
}`}, Options{})
	if diags.HasErrors() || len(diags) != 1 || !strings.Contains(diags[0].Detail, "country is not used for hetzner machines") {
		t.Errorf("port and country on a cloud server: %v", diags)
	}
	if m := dep.Machines[0]; m.Port != 2222 {
		t.Errorf("port %d on a cloud server, want 2222", m.Port)
	}
}

func TestLoadBootDiskAndJump(t *testing.T) {
	dep, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "baremetal" "office" {}
provider "hetzner" "eu" {}
machine "nas1" {
  provider  = provider.baremetal.office
  address   = "10.0.0.7"
  country   = "DE"
  boot_disk = "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NX0R123456"
  ssh_jump  = "jump@bastion.example.org:2222"
  disks     = [{ name = "data", device = "/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1234567" }]
}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  ssh_jump = "[2001:db8::1]:22"
}
output "nas1" { value = "${machine.nas1.boot_disk} via ${machine.nas1.ssh_jump}" }
`}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	nas1, web1 := dep.Machine("nas1"), dep.Machine("web1")
	if nas1.BootDisk != "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NX0R123456" {
		t.Errorf("nas1.BootDisk = %q", nas1.BootDisk)
	}
	if j := nas1.Jump; j == nil || *j != (JumpHost{User: "jump", Host: "bastion.example.org", Port: 2222}) {
		t.Errorf("nas1.Jump = %+v", j)
	}
	if j := web1.Jump; j == nil || *j != (JumpHost{Host: "2001:db8::1", Port: 22}) {
		t.Errorf("web1.Jump = %+v", j)
	}
	if web1.BootDisk != "" {
		t.Errorf("web1.BootDisk = %q, want none", web1.BootDisk)
	}
	if got, want := dep.Outputs[0].Value.AsString(), "/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NX0R123456 via jump@bastion.example.org:2222"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

func TestParseJump(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    JumpHost
		str     string // what String gives back, when not in
		problem string // words of the problem; "" when valid
	}{
		{in: "bastion.example.org", want: JumpHost{Host: "bastion.example.org"}},
		{in: "bastion", want: JumpHost{Host: "bastion"}},
		{in: "jump@bastion.example.org", want: JumpHost{User: "jump", Host: "bastion.example.org"}},
		{in: "bastion.example.org:2222", want: JumpHost{Host: "bastion.example.org", Port: 2222}},
		{in: "ops.team@203.0.113.9:65535", want: JumpHost{User: "ops.team", Host: "203.0.113.9", Port: 65535}},
		{in: "[2001:db8::1]:2200", want: JumpHost{Host: "2001:db8::1", Port: 2200}},
		{in: "[2001:db8::1]", want: JumpHost{Host: "2001:db8::1"}, str: "2001:db8::1"},
		{in: "root@2001:db8::1", want: JumpHost{User: "root", Host: "2001:db8::1"}},
		{in: "", problem: "host is missing"},
		{in: "jump@", problem: "host is missing"},
		{in: ":22", problem: "host is missing"},
		{in: "[]:22", problem: "IPv6"},
		{in: "bastion:", problem: "port after : is missing"},
		{in: "bastion:0", problem: "from 1 to 65535"},
		{in: "bastion:65536", problem: "from 1 to 65535"},
		{in: "bastion:022", problem: "from 1 to 65535"},
		{in: "bastion:+22", problem: "from 1 to 65535"},
		{in: "bastion:ssh", problem: "from 1 to 65535"},
		{in: "jump host", problem: "spaces"},
		{in: " bastion", problem: "spaces"},
		{in: "bastion\n", problem: "spaces"},
		{in: "@bastion", problem: "login name"},
		{in: "jump:hunter2@bastion", problem: "password"},
		{in: "bastion/22", problem: "not a host name"},
		{in: "[10.0.0.1]:22", problem: "IPv6"},
		{in: "[2001:db8::1]22", problem: "only :port"},
		{in: "2001:db8::zz", problem: "brackets"},
	} {
		j, problem := parseJump(tt.in)
		str := tt.in
		if tt.str != "" {
			str = tt.str
		}
		switch {
		case tt.problem == "" && problem != "":
			t.Errorf("parseJump(%q): %s", tt.in, problem)
		case tt.problem == "" && *j != tt.want:
			t.Errorf("parseJump(%q) = %+v, want %+v", tt.in, *j, tt.want)
		case tt.problem != "" && !strings.Contains(problem, tt.problem):
			t.Errorf("parseJump(%q): problem %q, want one saying %q", tt.in, problem, tt.problem)
		case tt.problem == "" && j.String() != str:
			t.Errorf("(%+v).String() = %q, want %q", *j, j.String(), str)
		}
	}
}

// TestLoadErrors covers the bad inputs an operator will write. Each case
// names the file:line the error must point at and words the message must
// contain.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		at    string // file:line of the first error
		want  []string
	}{
		{
			name:  "syntax error",
			files: map[string]string{"main.fc.hcl": "deployment \"acme\" {\n  description = \n}\n"},
			at:    "main.fc.hcl:2",
			want:  []string{"Invalid expression"},
		},
		{
			name:  "unknown block",
			files: map[string]string{"main.fc.hcl": validBase + "\nmachin \"web2\" {}\n"},
			at:    "main.fc.hcl:11",
			want:  []string{`Did you mean "machine"?`},
		},
		{
			name: "unknown attribute",
			files: map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  sise     = "cx32"
}`},
			at:   "main.fc.hcl:6",
			want: []string{`Did you mean "size"?`},
		},
		{
			name: "duplicate machine across files",
			files: map[string]string{
				"a.fc.hcl": validBase,
				"b.fc.hcl": "machine \"web1\" {\n  provider = provider.hetzner.eu\n  location = \"nbg1\"\n  size = \"cx22\"\n}\n",
			},
			at:   "b.fc.hcl:1",
			want: []string{"machine.web1 is already declared at ", "a.fc.hcl:5."},
		},
		{
			name: "service on a missing machine",
			files: map[string]string{"main.fc.hcl": validBase + `
service "data" {
  profile = "db"
  machine = machine.web2
}`},
			at:   "main.fc.hcl:13",
			want: []string{`No machine "web2" is declared. Did you mean "web1"?`},
		},
		{
			name: "unknown profile",
			files: map[string]string{"main.fc.hcl": validBase + `
service "data" {
  profile = "dbb"
  machine = machine.web1
}`},
			at:   "main.fc.hcl:12",
			want: []string{`There is no profile "dbb"`, `Did you mean "db"?`},
		},
		{
			name: "missing required param",
			files: map[string]string{"main.fc.hcl": validBase + `
service "www" {
  profile = "site"
  machine = machine.web1
}`},
			at:   "main.fc.hcl:11",
			want: []string{`needs parameter "domain" (string)`},
		},
		{
			name: "mistyped param",
			files: map[string]string{"main.fc.hcl": validBase + `
service "www" {
  profile = "site"
  machine = machine.web1
  with = {
    domain = "x.example"
    ports  = "443"
  }
}`},
			at:   "main.fc.hcl:16",
			want: []string{`Parameter "ports" of profile "site" must be list(number)`},
		},
		{
			name: "param breaks the profile's validation rule",
			files: map[string]string{"main.fc.hcl": validBase + `
service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = "x.example", ports = [80, 70000] }
}`},
			at:   "main.fc.hcl:14",
			want: []string{"Ports are between 1 and 65535.", `parameter "ports" in profile "site"`},
		},
		{
			name: "misspelled param",
			files: map[string]string{"main.fc.hcl": validBase + `
service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domian = "x.example" }
}`},
			at:   "main.fc.hcl:14",
			want: []string{`no parameter "domian". Did you mean "domain"?`},
		},
		{
			name: "cyclic locals",
			files: map[string]string{"main.fc.hcl": validBase + `
locals {
  a = local.b
  b = local.c
  c = local.a
}`},
			at:   "main.fc.hcl:12",
			want: []string{"local.a → local.b → local.c → local.a"},
		},
		{
			name:  "variable without value",
			files: map[string]string{"main.fc.hcl": validBase + "\nvariable \"domain\" { type = string }\n"},
			at:    "main.fc.hcl:11",
			want:  []string{"var.domain has no default", "FREECLOUD_VAR_domain"},
		},
		{
			name:  "invalid hostname",
			files: map[string]string{"main.fc.hcl": "deployment \"acme\" {}\nprovider \"hetzner\" \"eu\" {}\nmachine \"Web_1\" {\n  provider = provider.hetzner.eu\n}\n"},
			at:    "main.fc.hcl:3",
			want:  []string{`"Web_1" is not a valid host name`},
		},
		{
			name: "file escaping the directory",
			files: map[string]string{"main.fc.hcl": validBase + `
locals {
  key = file("../../etc/passwd")
}`},
			at:   "main.fc.hcl:12",
			want: []string{"escapes the deployment directory"},
		},
		{
			name:  "no deployment block",
			files: map[string]string{"main.fc.hcl": "provider \"hetzner\" \"eu\" {}\n"},
			want:  []string{`deployment "acme" {}`},
		},
		{
			name: "missing provider attributes",
			files: map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
}`},
			at:   "main.fc.hcl:3",
			want: []string{`needs "address"`},
		},
		{
			name: "SSH port out of range",
			files: map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  port     = 70000
}`},
			at:   "main.fc.hcl:7",
			want: []string{"from 1 to 65535"},
		},
		{
			name: "empty SSH user",
			files: map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  user     = ""
}`},
			at:   "main.fc.hcl:7",
			want: []string{"cannot be empty"},
		},
		{
			name:  "unknown provider type",
			files: map[string]string{"main.fc.hcl": "deployment \"acme\" {}\nprovider \"hetzer\" \"eu\" {}\n"},
			at:    "main.fc.hcl:2",
			want:  []string{`Did you mean "hetzner"?`},
		},
		{
			name: "sensitive value into a service",
			files: map[string]string{"main.fc.hcl": validBase + `
variable "token" {
  default   = "s3cret-canary"
  sensitive = true
}
service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = var.token }
}`},
			at:   "main.fc.hcl:18",
			want: []string{"world-readable Nix store"},
		},
		{
			name: "failed validation",
			files: map[string]string{"main.fc.hcl": validBase + `
variable "domain" {
  default = "localhost"
  validation {
    condition     = can(regex("\\.", var.domain))
    error_message = "The domain must be a public DNS name."
  }
}`},
			at:   "main.fc.hcl:12",
			want: []string{"The domain must be a public DNS name."},
		},
		{
			name: "sensitive output not marked",
			files: map[string]string{"main.fc.hcl": validBase + `
variable "token" {
  default   = "s3cret-canary"
  sensitive = true
}
output "token" { value = "x-${var.token}" }`},
			at:   "main.fc.hcl:15",
			want: []string{"add sensitive = true"},
		},
		{
			name:  "backup repository with a password",
			files: map[string]string{"main.fc.hcl": validBase + "\nbackup {\n  repository = \"rest:https://user:hunter2@backup.example.org/\"\n}\n"},
			at:    "main.fc.hcl:11",
			want:  []string{"holds a password (user:***)"},
		},
		{
			name:  "reserved service name",
			files: map[string]string{"main.fc.hcl": validBase + "\nservice \"backup\" {\n  profile = \"db\"\n  machine = machine.web1\n}\n"},
			at:    "main.fc.hcl:11",
			want:  []string{"names the secrets of each machine's backup"},
		},
		{
			name:  "value for undeclared variable",
			files: map[string]string{"main.fc.hcl": validBase + "\nvariable \"domain\" { default = \"x\" }\n"},
			opts:  Options{VarArgs: []VarArg{{Assignment: "domian=y"}}},
			want:  []string{`No variable "domian" is declared. Did you mean "domain"?`},
		},
		{
			name: "boot_disk on a cloud provider",
			files: map[string]string{"main.fc.hcl": strings.TrimSuffix(validBase, "}\n") + `  boot_disk = "/dev/sda"
}`},
			at:   "main.fc.hcl:9",
			want: []string{"boot_disk is for bare metal", "provider.hetzner.eu", "remove it"},
		},
		{
			name: "boot_disk not under /dev",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  boot_disk = "sda"
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Invalid boot_disk", `"sda"`, "/dev/disk/by-id/"},
		},
		{
			name: "boot_disk leaving /dev",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  boot_disk = "/dev/../etc/passwd"
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Invalid boot_disk"},
		},
		{
			name: "boot_disk with shell characters",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  boot_disk = "/dev/sd$(reboot)"
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Invalid boot_disk"},
		},
		{
			name: "boot_disk of a data disk",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  disks     = [{ name = "data", device = "/dev/sdb" }]
  boot_disk = "/dev/sdb"
}`},
			at:   "main.fc.hcl:8",
			want: []string{`data disk "data"`},
		},
		{
			name: "boot_disk not a string",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  boot_disk = ["/dev/sda"]
}`},
			at:   "main.fc.hcl:7",
			want: []string{"boot_disk must be string"},
		},
		{
			name: "data disk on the boot disk's mount",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  disks = [{ name = "data", device = "/dev/sdb", mount = "/boot/" }]
}`},
			at:   "main.fc.hcl:7",
			want: []string{"/boot belongs to the boot disk"},
		},
		{
			name: "two data disks on one mount",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  disks = [{ name = "a", mount = "/srv" }, { name = "b", mount = "/srv/" }]
}`},
			at:   "main.fc.hcl:7",
			want: []string{`disks "a" and "b" are both mounted at /srv`},
		},
		{
			name: "ssh_jump without a host",
			files: map[string]string{"main.fc.hcl": strings.TrimSuffix(validBase, "}\n") + `  ssh_jump = "jump@"
}`},
			at:   "main.fc.hcl:9",
			want: []string{"Invalid ssh_jump", "the host is missing", "[user@]host[:port]"},
		},
		{
			name: "ssh_jump port out of range",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  ssh_jump = "bastion.example.org:0"
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Invalid ssh_jump", "from 1 to 65535"},
		},
		{
			name: "ssh_jump with spaces",
			files: map[string]string{"main.fc.hcl": bareMetal + `
  ssh_jump = "jump@bastion example.org"
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Invalid ssh_jump", "spaces"},
		},
		{
			name: "private key as admin",
			files: map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  admins   = ["-----BEGIN OPENSSH PRIVATE KEY----- abc"]
}`},
			at:   "main.fc.hcl:7",
			want: []string{"Never a private key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, tt.files, tt.opts)
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			first := firstError(diags)
			if tt.at != "" {
				if first.Subject == nil {
					t.Fatalf("error has no source range: %s", first.Error())
				}
				if got := rangeAt(first.Subject); got != tt.at {
					t.Errorf("error at %s, want %s: %s", got, tt.at, first.Error())
				}
			}
			text := first.Summary + ": " + first.Detail
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("error %q does not contain %q", text, w)
				}
			}
		})
	}
}

func firstError(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

func rangeAt(r *hcl.Range) string {
	return filepath.Base(r.Filename) + ":" + strconv.Itoa(r.Start.Line)
}

// TestVariablePrecedence follows Terraform: default < environment <
// *.auto.fcvars (in name order) < -var / -var-file in command-line order.
func TestVariablePrecedence(t *testing.T) {
	files := map[string]string{
		"main.fc.hcl": validBase + `
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "n" { type = number }
output "all" { value = "${var.a} ${var.b} ${var.c} ${var.d} ${var.e} ${var.n}" }
`,
		"1.auto.fcvars": "b = \"auto1\"\nc = \"auto1\"\nd = \"auto1\"\n",
		"2.auto.fcvars": "c = \"auto2\"\n",
		"extra.fcvars":  "d = \"file\"\ne = \"file\"\n",
	}
	dir := writeDir(t, files)
	dep, _, diags := Load(dir, Options{
		Catalogue: testCatalogue(t),
		Environ:   []string{"FREECLOUD_VAR_a=env", "FREECLOUD_VAR_b=env", "FREECLOUD_VAR_n=42", "OTHER=x"},
		VarArgs: []VarArg{
			{Assignment: "e=flag"},
			{File: filepath.Join(dir, "extra.fcvars")},
		},
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	// e: -var comes first on the command line, -var-file after it wins.
	if got, want := dep.Outputs[0].Value.AsString(), "env auto1 auto2 file file 42"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A broken reference is reported once, not again by everything that uses it.
func TestBrokenReferenceReportedOnce(t *testing.T) {
	_, diags := load(t, map[string]string{"main.fc.hcl": validBase + `
locals {
  a = machine.web2.location
  b = local.a
}
output "x" { value = local.b }
output "y" { value = machine.web3.size }
sovereignty {
  data_jurisdictions = [local.a]
}
`}, Options{})
	var errs []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d.Detail)
		}
	}
	if len(errs) != 2 {
		t.Fatalf("want 2 errors (web2, web3), got %d:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// Independent problems are all reported in one run, and a broken block does
// not make everything that refers to it fail too.
func TestIndependentErrorsReportedTogether(t *testing.T) {
	_, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
variable "size" { type = number }
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  sise     = "cx32"
}
machine "web2" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = var.size
}
service "a" {
  profile = "db"
  machine = machine.web1
}
service "b" {
  profile = "db"
  machine = machine.web9
}
`}, Options{})
	var got []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			got = append(got, d.Summary)
		}
	}
	want := "No value for required variable, Unsupported argument, Reference to an undeclared name"
	if strings.Join(got, ", ") != want {
		t.Errorf("errors:\n  got:  %s\n  want: %s", strings.Join(got, ", "), want)
	}
}

// awsBase is an AWS provider block with a region, and a machine on it whose
// location is line 7, for cases that change the location.
const awsBase = `deployment "acme" {}
provider "aws" "frankfurt" {
  region = "eu-central-1"
}
machine "web1" {
  provider = provider.aws.frankfurt
  location = %q
  size     = "t3.small"
}
`

func TestLoadProviderSettings(t *testing.T) {
	dep, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
variable "region" { default = "eu-central-1" }
locals {
  vpc = "vpc-0a1b2c3d4e5f67890"
}
provider "aws" "frankfurt" {
  region    = var.region
  profile   = "prod"
  vpc_id    = local.vpc
  subnet_id = "subnet-0a1b2c3d4e5f67890"
}
provider "aws" "default" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.aws.frankfurt
  location = "${provider.aws.frankfurt.region}b"
  size     = "t3.small"
}
output "where" {
  value = "${provider.aws.frankfurt.region} ${provider.aws.frankfurt.vpc_id} [${provider.aws.default.region}] ${machine.web1.provider.profile} ${provider.hetzner.eu.type}.${provider.hetzner.eu.name}"
}
`}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var frankfurt, def *Provider
	for _, p := range dep.Providers {
		switch p.Address() {
		case "provider.aws.frankfurt":
			frankfurt = p
		case "provider.aws.default":
			def = p
		}
	}
	want := map[string]string{"region": "eu-central-1", "profile": "prod", "vpc_id": "vpc-0a1b2c3d4e5f67890", "subnet_id": "subnet-0a1b2c3d4e5f67890"}
	if len(frankfurt.Settings) != len(want) {
		t.Errorf("settings %v, want %v", frankfurt.Settings, want)
	}
	for name, value := range want {
		if frankfurt.Settings[name] != value {
			t.Errorf("setting %s = %q, want %q", name, frankfurt.Settings[name], value)
		}
	}
	if r := frankfurt.Ranges["vpc_id"]; rangeAt(&r) != "main.fc.hcl:9" {
		t.Errorf("vpc_id at %s, want main.fc.hcl:9", rangeAt(&r))
	}
	if len(def.Settings) != 0 {
		t.Errorf("a block without settings has %v", def.Settings)
	}
	if m := dep.Machines[0]; m.Location != "eu-central-1b" || m.Country != "DE" {
		t.Errorf("machine in %s, %s", m.Location, m.Country)
	}
	if got, want := dep.Outputs[0].Value.AsString(), "eu-central-1 vpc-0a1b2c3d4e5f67890 [] prod hetzner.eu"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}

	// JSON too.
	dep, diags = load(t, map[string]string{"main.fc.json": `{
  "deployment": {"acme": {}},
  "provider": {"aws": {"ireland": {"region": "eu-west-1", "profile": "ops"}}}
}`}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if s := dep.Providers[0].Settings; s["region"] != "eu-west-1" || s["profile"] != "ops" {
		t.Errorf("JSON settings %v", s)
	}
}

// A cloud machine's country follows from its location, on every cloud,
// and is there for expressions as on bare metal.
func TestLoadCountryFromLocation(t *testing.T) {
	dep, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
provider "aws" "any" {}
provider "baremetal" "office" {}
machine "fsn" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
}
machine "hel" {
  provider = provider.hetzner.eu
  location = "hel1"
  size     = "cx22"
  country  = "US"
}
machine "zurich" {
  provider = provider.aws.any
  location = "eu-central-2a"
  size     = "t3.small"
}
machine "london" {
  provider = provider.aws.any
  location = "eu-west-2"
  size     = "t3.small"
}
machine "nas" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "AT"
}
output "countries" {
  value = join(",", [for m in [machine.fsn, machine.hel, machine.zurich, machine.london, machine.nas] : "${m.name}:${m.country}"])
}
`}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := map[string]string{"fsn": "DE", "hel": "FI", "zurich": "CH", "london": "GB", "nas": "AT"}
	for name, country := range want {
		if got := dep.Machine(name).Country; got != country {
			t.Errorf("machine %s: country %q, want %q", name, got, country)
		}
	}
	if got, want := dep.Outputs[0].Value.AsString(), "fsn:DE,hel:FI,zurich:CH,london:GB,nas:AT"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	// hel's country attribute is warned about, and its location wins.
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || !strings.Contains(diags[0].Detail, "location decides it") || rangeAt(diags[0].Subject) != "main.fc.hcl:14" {
		t.Errorf("want one warning about hel's country: %v", diags)
	}
}

func TestLoadProviderSettingErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		at       string // file:line of the first error
		want     []string
		isolated bool // the only error
	}{
		{
			name: "unknown setting",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  regoin = \"eu-central-1\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{`provider "aws" has no setting "regoin". Did you mean "region"?`, "\n  region: the AWS region", "\n  vpc_id: ", "\n  subnet_id: ", "\n  profile: "},
		},
		{
			name: "a credential as a setting",
			src:  "deployment \"acme\" {}\nprovider \"hetzner\" \"eu\" {\n  token = \"abc\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{`provider "hetzner" takes no settings`, "HCLOUD_TOKEN"},
		},
		{
			name: "setting not matching its pattern",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  vpc_id    = \"vpc-12\"\n  subnet_id = \"subnet-0a1b2c3d\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{`"vpc-12" is not a valid vpc_id`, `like "vpc-0a1b2c3d4e5f67890"`},
		},
		{
			name: "empty setting",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  profile = \"\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{"profile of provider.aws.eu is empty"},
		},
		{
			name: "region that is no AWS region",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  region = \"eu-centrl-1\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{`freecloud knows no AWS region "eu-centrl-1". Did you mean "eu-central-1"?`, "us-west-2"},
		},
		{
			name: "region of another partition",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  region = \"us-gov-west-1\"\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{`freecloud knows no AWS region "us-gov-west-1"`, "commercial partition"},
		},
		{
			name:     "half of a group that goes together",
			src:      "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  region = \"eu-central-1\"\n  subnet_id = \"subnet-0a1b2c3d\"\n}\n",
			at:       "main.fc.hcl:4",
			want:     []string{"vpc_id and subnet_id are set together or not at all", "provider.aws.eu has no vpc_id", "\n  vpc_id: an existing VPC", "or remove subnet_id"},
			isolated: true,
		},
		{
			name: "sensitive setting",
			src: `deployment "acme" {}
variable "profile" {
  default   = "prod"
  sensitive = true
}
provider "aws" "eu" {
  profile = var.profile
}
`,
			at:       "main.fc.hcl:7",
			want:     []string{"profile of provider.aws.eu is sensitive", "shown in plans"},
			isolated: true,
		},
		{
			name: "setting not a string",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  region = [\"eu-central-1\"]\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{"region must be a string"},
		},
		{
			name: "block in a provider",
			src:  "deployment \"acme\" {}\nprovider \"aws\" \"eu\" {\n  assume_role {}\n}\n",
			at:   "main.fc.hcl:3",
			want: []string{"assume_role"},
		},
		{
			name:     "aws machine outside the block's region",
			src:      fmt.Sprintf(awsBase, "eu-west-1"),
			at:       "main.fc.hcl:7",
			want:     []string{`machine "web1" is in eu-west-1, but provider.aws.frankfurt is for region eu-central-1: use a provider block with region = "eu-west-1", or a location in eu-central-1 (eu-central-1 or an availability zone like eu-central-1a)`},
			isolated: true,
		},
		{
			name: "aws zone outside the block's region",
			src:  fmt.Sprintf(awsBase, "eu-west-1b"),
			at:   "main.fc.hcl:7",
			want: []string{`machine "web1" is in eu-west-1b (region eu-west-1), but provider.aws.frankfurt is for region eu-central-1`},
		},
		{
			name:     "unknown aws location",
			src:      fmt.Sprintf(awsBase, "eu-centrl-1a"),
			at:       "main.fc.hcl:7",
			want:     []string{`"eu-centrl-1a" is not an AWS region or availability zone that freecloud knows. Did you mean "eu-central-1a"?`, "af-south-1, ", "us-west-2."},
			isolated: true,
		},
		{
			name: "aws local zone",
			src:  fmt.Sprintf(awsBase, "eu-central-1-ham-1a"),
			at:   "main.fc.hcl:7",
			want: []string{"Local and Wavelength Zones are not supported"},
		},
		{
			name: "aws location of another partition",
			src: `deployment "acme" {}
provider "aws" "any" {}
machine "web1" {
  provider = provider.aws.any
  location = "cn-north-1"
  size     = "t3.small"
}`,
			at:   "main.fc.hcl:5",
			want: []string{`"cn-north-1" is not an AWS region`},
		},
		{
			name: "unknown hetzner location",
			src: `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn2"
  size     = "cx22"
}`,
			at:       "main.fc.hcl:5",
			want:     []string{`hetzner has no location "fsn2" that freecloud knows; it knows ash, fsn1, hel1, hil, nbg1, sin. Did you mean "fsn1"?`, "sovereignty"},
			isolated: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := load(t, map[string]string{"main.fc.hcl": tt.src}, Options{})
			first := firstError(diags)
			if first == nil {
				t.Fatalf("no error: %v", diags)
			}
			if first.Subject == nil {
				t.Fatalf("error has no source range: %s", first.Error())
			}
			if got := rangeAt(first.Subject); got != tt.at {
				t.Errorf("error at %s, want %s: %s", got, tt.at, first.Error())
			}
			for _, w := range tt.want {
				if !strings.Contains(first.Detail, w) && !strings.Contains(first.Summary, w) {
					t.Errorf("error %q does not contain %q", first.Summary+": "+first.Detail, w)
				}
			}
			if tt.isolated && len(diags) != 1 {
				t.Errorf("want one diagnostic, got %v", diags)
			}
		})
	}
}

// A provider block with a bad setting is reported, and the machines on it
// are still checked when the problem does not touch them.
func TestLoadProviderSettingAndMachineErrors(t *testing.T) {
	_, diags := load(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "aws" "eu" {
  region  = "eu-central-1"
  profil  = "prod"
}
machine "web1" {
  provider = provider.aws.eu
  location = "us-east-1"
  size     = "t3.small"
}
`}, Options{})
	var got []string
	for _, d := range diags {
		got = append(got, rangeAt(d.Subject)+" "+d.Summary)
	}
	if want := "main.fc.hcl:4 Unknown provider setting, main.fc.hcl:8 Machine outside its provider's region"; strings.Join(got, ", ") != want {
		t.Errorf("diagnostics:\n  got:  %s\n  want: %s", strings.Join(got, ", "), want)
	}
}
