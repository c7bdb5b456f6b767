package profilecheck

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/nix/nixtest"
	"github.com/freecloud/freecloud/profiles"
)

// TestCatalogue is the catalogue test: every built-in profile renders with
// its example through the loader and the generator, its Nix parses with the
// real nix-instantiate, every option path it sets was checked against
// nixpkgs, and no secret can be a value in the generated files.
func TestCatalogue(t *testing.T) {
	nixtest.Require(t)
	cat, diags := profiles.Builtin()
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	options, err := profiles.BuiltinOptions()
	if err != nil {
		t.Fatal(err)
	}
	checker := &Checker{Catalogue: cat, Options: options, WorkDir: t.TempDir(), NixParse: parse}
	results := checker.Check(cat.Names())
	perCategory := map[string]int{}
	paths := 0
	for _, r := range results {
		for _, d := range r.Diags {
			t.Errorf("%s: %s: %s (%v)", r.Profile, d.Summary, d.Detail, d.Subject)
		}
		p, _ := cat.Lookup(r.Profile)
		perCategory[p.Category]++
		paths += r.Options
	}
	t.Logf("%d profiles, %d option paths, per category: %v", len(results), paths, perCategory)
}

func parse(dir string, tree generator.Tree) error {
	_, err := generator.ParseCheck(dir, tree)
	return err
}

// A profile that sets an option nobody checked, or has no example, fails.
func TestCheckCatchesUncheckedOptionsAndMissingMetadata(t *testing.T) {
	cat, diags := profiles.Load(fstest.MapFS{
		"web/site.hcl": {Data: []byte(`profile "site" {
  summary  = "A site"
  category = "web"
  module   = "services.site"
  source   = "nixos/modules/services/web-apps/site.nix"
  license  = "MIT"
  maturity = "beta"
  example  = {}
  nixos = {
    "services.site" = { enable = true, typo = 1, adminPassword = "hunter2", adminPasswordFile = "/x", apiToken = "{{ .Envs.API_TOKEN }}", proxyPass = "http://x" }
  }
}`)},
		"web/bare.hcl": {Data: []byte(`profile "bare" {
  summary  = "No metadata"
  category = "web"
  module   = "services.bare"
  nixos    = {}
}`)},
	}, "p")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	options := &profiles.OptionsData{Options: map[string]profiles.OptionInfo{
		"services.site.enable":            {Type: "types.bool"},
		"services.site.adminPassword":     {Type: "types.str"},
		"services.site.adminPasswordFile": {Type: "types.str"},
		"services.site.apiToken":          {Type: "types.str"},
		"services.site.proxyPass":         {Type: "types.str"},
	}}
	results := (&Checker{Catalogue: cat, Options: options, WorkDir: t.TempDir()}).Check([]string{"bare", "site"})
	text := func(r Result) string {
		var b strings.Builder
		for _, d := range r.Diags {
			b.WriteString(d.Summary + ": " + d.Detail + "\n")
		}
		return b.String()
	}
	if got := text(results[0]); !strings.Contains(got, "lacks source") || !strings.Contains(got, "lacks an example") {
		t.Errorf("bare: %s", got)
	}
	got := text(results[1])
	if !strings.Contains(got, "services.site.adminPassword to a literal") || strings.Contains(got, "adminPasswordFile to") ||
		strings.Contains(got, "apiToken to") || strings.Contains(got, "proxyPass to") {
		t.Errorf("site: %s", got)
	}
	if !strings.Contains(got, "services.site.typo") || strings.Contains(got, "services.site.enable,") {
		t.Errorf("site: %s", got)
	}
}

func TestCovers(t *testing.T) {
	options := &profiles.OptionsData{Options: map[string]profiles.OptionInfo{
		"services.nginx.virtualHosts.<name>.forceSSL": {},
		"services.gitea.settings":                     {Freeform: true},
		`boot.kernel.sysctl."net.ipv4.ip_forward"`:    {},
	}}
	for path, want := range map[string]bool{
		"services.nginx.virtualHosts|git.example.org|forceSSL": true,
		"services.nginx.virtualHosts|git.example.org":          true, // opened, not set
		"services.nginx.virtualHosts|git.example.org|root":     false,
		"services.gitea.settings|server|DOMAIN":                true,
		"services.gitea.enable":                                false,
		"boot.kernel.sysctl|net.ipv4.ip_forward":               true,
		"boot.kernel.sysctl|net.ipv4.other":                    false,
	} {
		var p []string
		for _, part := range strings.Split(path, "|") {
			if part == strings.Split(path, "|")[0] {
				p = append(p, strings.Split(part, ".")...)
			} else {
				p = append(p, part)
			}
		}
		if got := options.Covers(p); got != want {
			t.Errorf("Covers(%q) = %v, want %v", p, got, want)
		}
	}
}
