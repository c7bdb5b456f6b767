package generator

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

// secretProfiles are machineryProfiles plus a service with a shared secret
// and one that requires a profile with a provided secret.
var secretProfiles = func() fstest.MapFS {
	fsys := fstest.MapFS{
		"networking/cluster.hcl": {Data: []byte(`profile "cluster" {
  summary = "a cluster member"
  category = "networking"
  module = "services.cluster"
  requires = ["vault"]
  secret "rpc_secret" {
    generate = "hex"
    length   = 24
    shared   = true
    env      = "RPC_SECRET"
    owner    = "cluster"
    before   = ["cluster.service"]
    description = "the members' common RPC key"
  }
  role "member" {
    summary = "a member"
    default = true
  }
  nixos = { "services.cluster" = { enable = true, rpcSecretFile = secret.rpc_secret } }
}`)},
		"security/vault.hcl": {Data: []byte(`profile "vault" {
  summary = "keeps a token"
  category = "security"
  module = "services.vault"
  secret "token" {
    provided = true
    before   = ["vault.service"]
  }
  nixos = { "services.vault" = { enable = true, tokenFile = secret.token } }
}`)},
	}
	for name, f := range machineryProfiles {
		fsys[name] = f
	}
	return fsys
}()

const secretsDeployment = machineryBase + `
machine "nas1" {
  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"
  admins   = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@laptop"]
}
provider "baremetal" "office" {}
service "git" {
  profile = "forge"
  machine = machine.web1
  with    = { domain = "git.acme.example" }
}
service "mesh" {
  profile = "cluster"
  machine = machine.web1
}
service "files" {
  profile = "suite"
  machine = machine.nas1
  with    = { domain = "files.acme.example" }
}
backup {
  repository = "s3:https://s3.example.org/backups/"
}
`

const armored = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNzaC1lZDI1NTE5IGZha2UK\n-----END AGE ENCRYPTED FILE-----\n"

// deploymentDir writes files (slash-separated paths) into a new
// deployment directory.
func deploymentDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	return dir
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// load loads the deployment in dir with fsys's profiles.
func load(t *testing.T, fsys fstest.MapFS, dir string) (*config.Deployment, *profiles.Catalogue) {
	t.Helper()
	cat, diags := profiles.Load(fsys, "testprofiles")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: cat})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return dep, cat
}

func generateDir(t *testing.T, dir string) (Tree, hcl.Diagnostics) {
	t.Helper()
	return Generate(load(t, secretProfiles, dir))
}

// diagText is every diagnostic of severity, one a line: where, summary,
// detail.
func diagText(diags hcl.Diagnostics, severity hcl.DiagnosticSeverity) string {
	var out []string
	for _, d := range diags {
		if d.Severity == severity {
			where := ""
			if d.Subject != nil {
				where = d.Subject.String() + ": "
			}
			out = append(out, where+d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(out, "\n")
}

func warnings(diags hcl.Diagnostics) string { return diagText(diags, hcl.DiagWarning) }

func TestSealedSecretsInTheFlake(t *testing.T) {
	dir := deploymentDir(t, map[string]string{"main.fc.hcl": secretsDeployment})
	before, diags := generateDir(t, dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	conf := string(before["hosts/web1/configuration.nix"])
	for _, want := range []string{
		"freecloud.secretsCiphertexts = ../../secrets/web1;",
		"shared = true;",
		`rpcSecretFile = "/run/freecloud/secrets/mesh/rpc_secret";`,
		`tokenFile = "/run/freecloud/secrets/vault/token";`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("configuration.nix lacks %q:\n%s", want, conf)
		}
	}
	// A shared secret's rule was applied by freecloud; the host only
	// decrypts it.
	if i := strings.Index(conf, "rpc_secret = {"); i < 0 || strings.Contains(conf[i:i+strings.Index(conf[i:], "};")], "generate") {
		t.Errorf("the shared secret is declared with a generation rule:\n%s", conf)
	}
	// nas1 has state but no sealed secret of its own... besides its
	// backup's.
	if !strings.Contains(string(before["hosts/nas1/configuration.nix"]), "freecloud.secretsCiphertexts = ../../secrets/nas1;") {
		t.Errorf("nas1's backup secrets are sealed too:\n%s", before["hosts/nas1/configuration.nix"])
	}
	for _, p := range before.Paths() {
		if strings.HasPrefix(p, CiphertextDir+"/") {
			t.Errorf("%s in the flake before any secret was set", p)
		}
	}
	parseTree(t, before)

	// The operator sets some secrets; strays are warned about, not copied.
	writeFiles(t, dir, map[string]string{
		"secrets/web1/git.smtp_password.age": armored,
		"secrets/web1/backup.password.age":   "\n" + armored,
		"secrets/web1/mesh.rpc_secret.age":   "age-encryption.org/v1\n-> X25519 binary\n",
		"secrets/web1/git.app_key.age":       armored, // generated on the host: never sealed
		"secrets/web1/gone.thing.age":        armored,
		"secrets/web1/README":                "not a ciphertext",
		"secrets/old9/vault.token.age":       armored,
	})
	after, diags := generateDir(t, dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var sealed []string
	for _, p := range after.Paths() {
		if strings.HasPrefix(p, CiphertextDir+"/") {
			sealed = append(sealed, p)
			if data, _ := os.ReadFile(filepath.Join(dir, p)); !bytes.Equal(data, after[p]) {
				t.Errorf("%s differs from the deployment's file", p)
			}
		}
	}
	if got := strings.Join(sealed, " "); got != "secrets/web1/backup.password.age secrets/web1/git.smtp_password.age secrets/web1/mesh.rpc_secret.age" {
		t.Errorf("ciphertexts in the flake: %s", got)
	}
	w := warnings(diags)
	for _, want := range []string{"secrets/web1/git.app_key.age: machine \"web1\"", "secrets/web1/gone.thing.age", `secrets/old9/ holds secrets/old9/vault.token.age, but the deployment has no machine "old9"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "README") {
		t.Errorf("a file that is not .age was warned about:\n%s", w)
	}

	// Setting secrets changed no .nix file: only secrets/ appeared.
	for _, p := range before.Paths() {
		if !bytes.Equal(before[p], after[p]) {
			t.Errorf("%s changed when secrets were set", p)
		}
	}

	// web1's hash covers its ciphertexts, nas1's does not.
	web1, _ := deploy.ConfigHash(after, "web1")
	nas1, _ := deploy.ConfigHash(after, "nas1")
	if old, _ := deploy.ConfigHash(before, "web1"); old == web1 {
		t.Error("web1's configuration hash ignores its ciphertexts")
	}
	if old, _ := deploy.ConfigHash(before, "nas1"); old != nas1 {
		t.Error("nas1's configuration hash changed with web1's ciphertexts")
	}

	again, _ := generateDir(t, dir)
	for _, p := range after.Paths() {
		if !bytes.Equal(after[p], again[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}
	parseTree(t, after)
}

// Moving a machine that has sealed secrets still changes only its
// hardware.nix (and the manifest): the ciphertexts stay where they are.
func TestProviderChangeKeepsSealedSecrets(t *testing.T) {
	files := map[string]string{"main.fc.hcl": secretsDeployment, "secrets/nas1/backup.password.age": armored}
	before, diags := generateDir(t, deploymentDir(t, files))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	files["main.fc.hcl"] = strings.Replace(secretsDeployment, `  provider = provider.baremetal.office
  address  = "203.0.113.7"
  country  = "DE"`, `  provider = provider.hetzner.eu
  location = "hel1"
  size     = "cx32"`, 1)
	after, diags := generateDir(t, deploymentDir(t, files))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var changed []string
	for _, p := range after.Paths() {
		if !bytes.Equal(before[p], after[p]) {
			changed = append(changed, p)
		}
	}
	if got := strings.Join(changed, " "); got != "freecloud-manifest.json hosts/nas1/hardware.nix" {
		t.Errorf("changed files: %s", got)
	}
}

func TestSealedSecretsThatCannotBeCopied(t *testing.T) {
	for name, tt := range map[string]struct {
		files map[string]string
		dir   string // made a directory, which cannot be read as a file
		want  string
	}{
		"plaintext": {
			files: map[string]string{"secrets/web1/git.smtp_password.age": "hunter2\n"},
			want:  "secrets/web1/git.smtp_password.age (secret git/smtp_password of machine \"web1\") does not start like an age file",
		},
		"unreadable": {
			dir:  "secrets/web1/backup.password.age/",
			want: "secrets/web1/backup.password.age (secret backup/password of machine \"web1\"): read",
		},
	} {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"main.fc.hcl": secretsDeployment}
			for k, v := range tt.files {
				files[k] = v
			}
			if tt.dir != "" {
				files[tt.dir+"x"] = ""
			}
			tree, diags := generateDir(t, deploymentDir(t, files))
			errs := diagText(diags, hcl.DiagError)
			if tree != nil || !strings.Contains(errs, tt.want) {
				t.Fatalf("tree %v, errors:\n%s\nwant one saying %q", tree != nil, errs, tt.want)
			}
			if !strings.Contains(errs, "main.fc.hcl:") && !strings.Contains(errs, "testprofiles/") {
				t.Errorf("the error points nowhere:\n%s", errs)
			}
		})
	}
}

func TestSecretsListing(t *testing.T) {
	dep, cat := load(t, secretProfiles, deploymentDir(t, map[string]string{"main.fc.hcl": secretsDeployment}))
	list, diags := Secrets(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var keys []string
	byKey := map[string]HostSecret{}
	for _, s := range list {
		key := s.Machine + " " + s.Service + "/" + s.Name
		keys = append(keys, key)
		byKey[key] = s
	}
	want := []string{
		"nas1 backup/environment", "nas1 backup/password",
		"web1 backup/environment", "web1 backup/password",
		"web1 git/app_key", "web1 git/smtp_password",
		"web1 mesh/rpc_secret", "web1 vault/token",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("secrets, in order:\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}

	check := func(key string, want HostSecret) {
		t.Helper()
		got := byKey[key]
		got.DeclRange = hcl.Range{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", key, got, want)
		}
	}
	check("web1 git/app_key", HostSecret{
		Machine: "web1", Service: "git", Name: "app_key", Source: SourceGenerated, Rule: "base64", Length: 32,
		Env: "APP_KEY", Prefix: "base64:", Owner: "root", Group: "root", Mode: "0400",
		Path: "/var/lib/freecloud/secrets/git/app_key", Consumers: []string{},
	})
	check("web1 git/smtp_password", HostSecret{
		Machine: "web1", Service: "git", Name: "smtp_password", Source: SourceProvided,
		Owner: "forge", Group: "root", Mode: "0400",
		Path: "/run/freecloud/secrets/git/smtp_password", Ciphertext: "secrets/web1/git.smtp_password.age", Consumers: []string{},
	})
	check("web1 mesh/rpc_secret", HostSecret{
		Machine: "web1", Service: "mesh", Name: "rpc_secret", Source: SourceShared, Rule: "hex", Length: 24,
		Env: "RPC_SECRET", Owner: "cluster", Group: "root", Mode: "0400",
		Path: "/run/freecloud/secrets/mesh/rpc_secret", Ciphertext: "secrets/web1/mesh.rpc_secret.age",
		Description: "the members' common RPC key", Consumers: []string{"cluster.service"}, SharedWith: []string{"web1"},
	})
	check("web1 vault/token", HostSecret{
		Machine: "web1", Service: "vault", Name: "token", Source: SourceProvided, Owner: "root", Group: "root", Mode: "0400",
		Path: "/run/freecloud/secrets/vault/token", Ciphertext: "secrets/web1/vault.token.age",
		Consumers: []string{"vault.service"}, Implied: true, RequiredBy: "mesh",
	})
	check("nas1 backup/password", HostSecret{
		Machine: "nas1", Service: "backup", Name: "password", Source: SourceProvided, Owner: "root", Group: "root", Mode: "0400",
		Path: "/run/freecloud/secrets/backup/password", Ciphertext: "secrets/nas1/backup.password.age",
		Description: "the restic repository's password", Consumers: []string{"restic-backups-freecloud.service"}, Implied: true,
	})
	if s := byKey["nas1 backup/environment"]; s.Ciphertext != "secrets/nas1/backup.environment.age" || !strings.Contains(s.Description, "AWS_ACCESS_KEY_ID") {
		t.Errorf("backup environment: %+v", s)
	}
	if r := byKey["web1 mesh/rpc_secret"].DeclRange; !strings.HasSuffix(r.Filename, "cluster.hcl") || r.Start.Line != 6 {
		t.Errorf("the shared secret's range: %v", r)
	}

	// The paths the listing gives are those the flake uses.
	tree, diags := Generate(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, s := range list {
		conf := string(tree["hosts/"+s.Machine+"/configuration.nix"])
		if s.Source != SourceGenerated && !strings.Contains(conf, `"`+s.Path+`"`) && s.Service != "backup" {
			t.Errorf("%s/%s: %s is not in %s's configuration.nix", s.Service, s.Name, s.Path, s.Machine)
		}
	}
}

// A declared service's shared secret is one value for all its machines; a
// required profile's instance is its machine's own.
func TestSharedWith(t *testing.T) {
	dep, cat := load(t, secretProfiles, deploymentDir(t, map[string]string{"main.fc.hcl": machineryBase + `
machine "web2" {
  provider = provider.hetzner.eu
  location = "nbg1"
  size     = "cx32"
}
service "mesh" {
  profile  = "cluster"
  machines = [machine.web2, machine.web1]
}
machine "web3" {
  provider = provider.hetzner.eu
  location = "nbg1"
  size     = "cx32"
}
service "solo" {
  profile = "cluster"
  machine = machine.web3
}
`}))
	list, diags := Secrets(dep, cat)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	found := 0
	for _, s := range list {
		if s.Name != "rpc_secret" {
			continue
		}
		found++
		want := "web1 web2"
		if s.Service == "solo" {
			want = "web3"
		}
		if got := strings.Join(s.SharedWith, " "); got != want {
			t.Errorf("%s on %s: shared with %q, want %q", s.Service, s.Machine, got, want)
		}
	}
	if found != 3 {
		t.Errorf("%d rpc secrets, want 3 (mesh on web1 and web2, solo on web3)", found)
	}
}

func TestHostSecretContent(t *testing.T) {
	for _, tt := range []struct {
		env, prefix, want string
	}{
		{"", "", "v4lue"},
		{"", "base64:", "base64:v4lue"},
		{"APP_KEY", "base64:", "APP_KEY=base64:v4lue\n"},
		{"RPC", "", "RPC=v4lue\n"},
	} {
		if got := string(HostSecret{Env: tt.env, Prefix: tt.prefix}.Content([]byte("v4lue"))); got != tt.want {
			t.Errorf("env %q prefix %q: %q, want %q", tt.env, tt.prefix, got, tt.want)
		}
	}
}
