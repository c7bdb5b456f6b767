package profiles

import (
	"bytes"
	"io/fs"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zclconf/go-cty/cty"
)

func TestBuiltinCatalogueLoads(t *testing.T) {
	cat, diags := Builtin()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, name := range []string{"postgresql", "reverse-proxy", "nextcloud"} {
		if _, ok := cat.Lookup(name); !ok {
			t.Errorf("built-in catalogue lacks %q", name)
		}
	}
	stateless := 0
	for _, name := range cat.Names() {
		p, _ := cat.Lookup(name)
		if p.State == nil {
			stateless++
		}
		if p.Summary == "" || p.Module == "" || p.Source == "" {
			t.Errorf("%s: summary, module and source are required for built-in profiles", name)
		}
	}
	if stateless == 0 {
		t.Error("the catalogue has no stateless service")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, file, src, want string
		line                  int
	}{
		{"name mismatch", "web/site.hcl", `profile "other" {
  summary = "x"
  category = "web"
  module = "services.x"
  nixos = {}
}`, `must be named "site"`, 1},
		{"category mismatch", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "office"
  module = "services.x"
  nixos = {}
}`, "lives in web/ but says category", 3},
		{"bad default", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  param "port" {
    type = number
    default = "eighty"
  }
  nixos = {}
}`, "The default of \"port\" must be number", 7},
		{"unknown rule", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  secret "key" { generate = "passwort" }
  nixos = {}
}`, `Did you mean "password"?`, 5},
		{"unknown attribute", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  modul = "services.x"
  nixos = {}
}`, `Did you mean "module"?`, 4},
		{"duplicate param", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  param "a" { type = string }
  param "a" { type = number }
  nixos = {}
}`, "already declared", 6},
		{"relative state path", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  state { paths = ["var/lib/site"] }
  nixos = {}
}`, "state paths are absolute", 5},
		{"unknown requirement", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  requires = ["postgres"]
  nixos = {}
}`, `requires "postgres" (named in requires, or needed by a web route or a database), which is not in the catalogue`, 1},
		{"shared without a rule", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  secret "rpc" {
    shared = true
  }
  nixos = {}
}`, `Shared secret without a generation rule: freecloud makes a shared secret itself, so it needs generate =`, 6},
		{"shared and provided", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  secret "rpc" {
    provided = true
    shared   = true
  }
  nixos = {}
}`, "A secret is shared or provided, not both", 7},
		{"provided with env", "web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  secret "rpc" {
    provided = true
    env      = "RPC"
  }
  nixos = {}
}`, "env is for generated secrets", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Load(fstest.MapFS{tt.file: {Data: []byte(tt.src)}}, "p")
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			d := diags[0]
			for _, candidate := range diags {
				if strings.Contains(candidate.Summary+": "+candidate.Detail, tt.want) {
					d = candidate
					break
				}
			}
			if !strings.Contains(d.Summary+": "+d.Detail, tt.want) {
				t.Fatalf("got %s, want an error containing %q", diags.Error(), tt.want)
			}
			if d.Subject == nil || d.Subject.Start.Line != tt.line || d.Subject.Filename != "p/"+tt.file {
				t.Errorf("error at %v, want p/%s line %d", d.Subject, tt.file, tt.line)
			}
		})
	}
}

func TestRenderUsesParamsSecretsAndService(t *testing.T) {
	cat, diags := Load(fstest.MapFS{"web/site.hcl": {Data: []byte(`profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  param "domain" { type = string }
  param "port" {
    type = number
    default = 8080
  }
  secret "token" { generate = "hex" }
  nixos = {
    "services.x" = {
      host = param.domain
      port = param.port
      tokenFile = secret.token
      user = "${service.name}@${service.machine}"
    }
  }
}`)}}, "p")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, _ := cat.Lookup("site")
	v, diags := p.Render(Instance{Service: "www", Machine: "web1", Params: map[string]cty.Value{"domain": cty.StringVal("a.example")}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	x := v.Options.GetAttr("services.x")
	for attr, want := range map[string]string{"host": "a.example", "tokenFile": SecretsDir + "/www/token", "user": "www@web1"} {
		if got := x.GetAttr(attr).AsString(); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if got := x.GetAttr("port").AsBigFloat().String(); got != "8080" {
		t.Errorf("port = %s, want the default 8080", got)
	}
}

// An author's directory overrides a built-in profile and adds new ones.
func TestWithDirOverlays(t *testing.T) {
	builtin, diags := Builtin()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "databases"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := `profile "postgresql" {
  summary = "My own PostgreSQL"
  category = "databases"
  module = "services.postgresql"
  nixos = { "services.postgresql.enable" = true }
}`
	if err := os.WriteFile(filepath.Join(dir, "databases", "postgresql.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, diags := builtin.WithDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, _ := cat.Lookup("postgresql")
	if p.Summary != "My own PostgreSQL" {
		t.Errorf("overlay not used: %q", p.Summary)
	}
	if orig, _ := builtin.Lookup("postgresql"); orig.Summary == "My own PostgreSQL" {
		t.Error("the overlay changed the built-in catalogue")
	}
	if _, ok := cat.Lookup("nextcloud"); !ok {
		t.Error("built-in profiles are lost in the overlay")
	}
	if _, diags := builtin.WithDir(filepath.Join(dir, "missing")); !diags.HasErrors() {
		t.Error("a missing --profiles directory is not reported")
	}
}

// Built-in profiles are read by authors as the model to copy: they are kept
// in canonical HCL format.
func TestBuiltinProfilesAreFormatted(t *testing.T) {
	names, err := fs.Glob(builtin, "*/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		src, err := fs.ReadFile(builtin, name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hclwrite.Format(src), src) {
			t.Errorf("profiles/%s is not formatted (hclwrite.Format, as freecloud fmt does)", name)
		}
	}
}

// FuzzProfile decodes arbitrary profile files and renders those that load
// with their example: errors, never a panic.
//
// go test ./profiles -run '^$' -fuzz FuzzProfile
func FuzzProfile(f *testing.F) {
	names, _ := fs.Glob(builtin, "*/*.hcl")
	for _, name := range names {
		src, _ := fs.ReadFile(builtin, name)
		f.Add(name, string(src))
	}
	f.Add("web/site.hcl", `profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  health {}
  health { unit = 1 }
  expose "a" { protocol = "http" }
  expose "a" { port = "x" }
  secret "s" {}
  param "p" {
    type = string
    validation { condition = param.q }
  }
  nixos = { "a..b" = param.p }
}`)
	f.Fuzz(func(t *testing.T, name, src string) {
		cat, diags := Load(fstest.MapFS{name: {Data: []byte(src)}}, "p")
		for _, d := range diags {
			if strings.TrimSpace(d.Summary) == "" {
				t.Fatalf("diagnostic without summary: %#v", d)
			}
		}
		for _, pname := range cat.Names() {
			p, _ := cat.Lookup(pname)
			params := map[string]cty.Value{}
			if p.Example != cty.NilVal && !p.Example.IsNull() && p.Example.IsWhollyKnown() {
				for it := p.Example.ElementIterator(); it.Next(); {
					k, v := it.Element()
					params[k.AsString()] = v
				}
			}
			p.Render(Instance{Service: "s", Machine: "m", Params: params})
			for _, param := range p.Params {
				if v, ok := params[param.Name]; ok {
					param.Validate(v)
				}
			}
		}
	})
}

// A shared secret is made by freecloud with a rule, env and prefix like a
// generated one, and lives where provided ones do: decrypted on the host.
func TestSharedSecret(t *testing.T) {
	cat, diags := Load(fstest.MapFS{"web/site.hcl": {Data: []byte(`profile "site" {
  summary = "x"
  category = "web"
  module = "services.x"
  secret "rpc" {
    generate = "hex"
    length   = 24
    shared   = true
    env      = "RPC"
    prefix   = "k:"
  }
  nixos = { "services.x.rpcFile" = secret.rpc }
}`)}}, "p")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, _ := cat.Lookup("site")
	s := p.Secrets[0]
	if !s.Shared || s.Provided || s.Generate != "hex" || s.Length != 24 || s.Env != "RPC" || s.Prefix != "k:" || !s.Decrypted() {
		t.Errorf("decoded %+v", s)
	}
	r, diags := p.Render(Instance{Service: "mesh", Machine: "m1"})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := r.Options.GetAttr("services.x.rpcFile").AsString(); got != ProvidedSecretsDir+"/mesh/rpc" {
		t.Errorf("secret.rpc is %s", got)
	}
}

// The names the rotation protocol uses; modules' tests check that
// modules/secrets.nix uses the same.
func TestRotationNames(t *testing.T) {
	if got := SecretUnit("cloud", "admin_password"); got != "freecloud-secret-cloud-admin_password.service" {
		t.Errorf("SecretUnit: %s", got)
	}
	if got := RotateMarker("cloud", "admin_password"); got != "/var/lib/freecloud/secrets/cloud/.admin_password.rotate" {
		t.Errorf("RotateMarker: %s", got)
	}
}
