package generator

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix/nixtest"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

var testProfiles = fstest.MapFS{
	"web/site.hcl": {Data: []byte(`
profile "site" {
  summary  = "A test site"
  category = "web"
  module   = "services.nginx"
  requires = ["db", "proxy"]
  param "domain" { type = string }
  secret "key" {
    generate = "hex"
    owner    = "nginx"
    before   = ["nginx.service"]
  }
  expose "https" {
    port   = 443
    public = true
  }
  nixos = {
    "services.nginx.virtualHosts" = { (param.domain) = { root = "/srv/${service.name}", extraConfig = secret.key } }
    "services.postgresql.ensureDatabases" = [service.name]
    "environment.systemPackages" = [nix("pkgs.hello")]
  }
}`)},
	"databases/db.hcl": {Data: []byte(`
profile "db" {
  summary  = "A test database"
  category = "databases"
  module   = "services.postgresql"
  param "port" {
    type    = number
    default = 5432
  }
  expose "pg" { port = 5432 }
  nixos = {
    "services.postgresql" = { enable = true, settings = { port = param.port } }
  }
}`)},
	"networking/proxy.hcl": {Data: []byte(`
profile "proxy" {
  summary  = "A test proxy"
  category = "networking"
  module   = "services.nginx"
  expose "http" {
    port   = 80
    public = true
  }
  nixos = { "services.nginx.enable" = true }
}`)},
	"networking/other-proxy.hcl": {Data: []byte(`
profile "other-proxy" {
  summary  = "A proxy that disables nginx"
  category = "networking"
  module   = "services.nginx"
  nixos = { "services.nginx.enable" = false }
}`)},
}

const testDeployment = `deployment "acme" {}
provider "hetzner" "eu" {}
provider "baremetal" "office" {}

machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
  admins   = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@laptop"]
  disks    = [{ name = "data", size = 50, mount = "/srv" }]
}

machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  admins   = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@laptop"]
}

service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = "www.acme.example" }
}

service "blog" {
  profile = "site"
  machine = machine.nas1
  with    = { domain = "blog.acme.example" }
}
`

// generate builds files (name → content) with testProfiles and returns the
// tree, or the error messages.
func generate(t *testing.T, files map[string]string) (Tree, string) {
	t.Helper()
	tree, diags := build(t, testProfiles, files)
	if diags.HasErrors() {
		var errs []string
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d.Summary+": "+d.Detail)
			}
		}
		return nil, strings.Join(errs, "\n")
	}
	return tree, ""
}

// build loads a deployment of files with the profiles in fsys and
// generates it.
func build(t *testing.T, fsys fs.FS, files map[string]string) (Tree, hcl.Diagnostics) {
	t.Helper()
	cat, diags := profiles.Load(fsys, "testprofiles")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return Generate(dep, cat)
}

func TestGenerateLayout(t *testing.T) {
	tree, errs := generate(t, map[string]string{"main.fc.hcl": testDeployment})
	if errs != "" {
		t.Fatal(errs)
	}
	for _, want := range []string{
		"flake.nix", "flake.lock", "freecloud-manifest.json", MarkerFile,
		"hosts/web1/configuration.nix", "hosts/web1/hardware.nix",
		"hosts/nas1/configuration.nix", "hosts/nas1/hardware.nix",
		"modules/base.nix", "modules/secrets.nix", "modules/hardware/hetzner.nix", "modules/hardware/baremetal.nix",
	} {
		if _, ok := tree[want]; !ok {
			t.Errorf("missing %s; have %v", want, tree.Paths())
		}
	}
	conf := string(tree["hosts/web1/configuration.nix"])
	for _, want := range []string{
		`networking.hostName = "web1";`,
		`"www.acme.example"`,
		`ensureDatabases = [ "www" ];`,
		`allowedTCPPorts = [`, // 80 and 443, not 5432
		`pkgs.hello`,
		`/var/lib/freecloud/secrets/www/key`,
		`db (profile db, required by www)`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("configuration.nix lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "5432 ]") || strings.Contains(conf, " 5432\n") {
		t.Errorf("a non-public port was opened:\n%s", conf)
	}
	if strings.Contains(conf, "hetzner") || strings.Contains(conf, "fsn1") {
		t.Errorf("configuration.nix mentions the provider:\n%s", conf)
	}
	hw := string(tree["hosts/web1/hardware.nix"])
	for _, want := range []string{"../../modules/hardware/hetzner.nix", `"/srv"`, "/dev/disk/by-label/data"} {
		if !strings.Contains(hw, want) {
			t.Errorf("hardware.nix lacks %q:\n%s", want, hw)
		}
	}
	parseTree(t, tree)
}

// parseTree writes tree to disk and parses every .nix file with the real
// Nix parser; it returns where the tree is, for evaluations.
func parseTree(t *testing.T, tree Tree) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "nix")
	if err := Write(dir, tree); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".nix") {
			files = append(files, p)
		}
	}
	nixtest.ParseFiles(t, dir, files...)
	return dir
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, _ := generate(t, map[string]string{"main.fc.hcl": testDeployment})
	b, _ := generate(t, map[string]string{"main.fc.hcl": testDeployment})
	if strings.Join(a.Paths(), " ") != strings.Join(b.Paths(), " ") {
		t.Fatal("different file sets")
	}
	for _, p := range a.Paths() {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

// Moving a machine to another provider must change only its hardware.nix
// (and the manifest that records its hash).
func TestProviderChangeTouchesOnlyHardware(t *testing.T) {
	before, _ := generate(t, map[string]string{"main.fc.hcl": testDeployment})
	moved := strings.Replace(testDeployment, `  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"`, `  provider = provider.hetzner.eu
  location = "hel1"
  size     = "cax21"`, 1)
	after, errs := generate(t, map[string]string{"main.fc.hcl": moved})
	if errs != "" {
		t.Fatal(errs)
	}
	var changed []string
	for _, p := range before.Paths() {
		if !bytes.Equal(before[p], after[p]) {
			changed = append(changed, p)
		}
	}
	if got := strings.Join(changed, " "); got != "freecloud-manifest.json hosts/nas1/hardware.nix" {
		t.Errorf("changed files: %s", got)
	}
	if !strings.Contains(string(after["hosts/nas1/hardware.nix"]), `"aarch64-linux"`) {
		t.Errorf("cax21 is an arm64 machine:\n%s", after["hosts/nas1/hardware.nix"])
	}
}

func TestConflictingOptions(t *testing.T) {
	_, errs := generate(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
}
service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = "www.acme.example" }
}
service "off" {
  profile = "other-proxy"
  machine = machine.web1
}
`})
	for _, want := range []string{"services.nginx.enable", `service "off"`, `profile "proxy" (required by service "www")`} {
		if !strings.Contains(errs, want) {
			t.Errorf("error %q lacks %q", errs, want)
		}
	}
}

func TestRequiredProfileNameClash(t *testing.T) {
	_, errs := generate(t, map[string]string{"main.fc.hcl": `deployment "acme" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx32"
}
service "www" {
  profile = "site"
  machine = machine.web1
  with    = { domain = "www.acme.example" }
}
service "db" {
  profile = "proxy"
  machine = machine.web1
}
`})
	if !strings.Contains(errs, `already has that name with profile "proxy"`) {
		t.Errorf("got %q", errs)
	}
}

func TestWriteRefusesForeignDirectory(t *testing.T) {
	tree, _ := generate(t, map[string]string{"main.fc.hcl": testDeployment})
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(out, tree); err == nil || !strings.Contains(err.Error(), "notes.txt") && !strings.Contains(err.Error(), "1 entries") {
		t.Fatalf("Write into a foreign directory: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "notes.txt")); string(data) != "mine" {
		t.Fatal("the foreign file was touched")
	}
	// A directory freecloud made is replaced, and stale files go away.
	own := filepath.Join(t.TempDir(), "nix")
	if err := Write(own, tree); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, "hosts", "stale.nix"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(own, tree); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(own, "hosts", "stale.nix")); !os.IsNotExist(err) {
		t.Error("a stale file survived regeneration")
	}
}
