package config

import (
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
