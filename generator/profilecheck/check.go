// Package profilecheck checks profiles the way the catalogue requires, for
// authors (`freecloud profiles check`) and for the catalogue's own test:
// each profile renders with its example through the real loader and
// generator, the Nix it produces parses, and every NixOS option path it sets
// was recorded as checked against the nixpkgs sources.
package profilecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// A Result is the outcome for one profile.
type Result struct {
	Profile string
	// Options is the number of option paths the profile sets.
	Options int
	Diags   hcl.Diagnostics
}

// Checker checks profiles of one catalogue.
type Checker struct {
	Catalogue *profiles.Catalogue
	Options   *profiles.OptionsData
	// WorkDir is a scratch directory for the deployments and flakes built.
	WorkDir string
	// NixParse, when set, parses the generated files with the real Nix
	// parser; it returns Nix's message on failure.
	NixParse func(dir string, tree generator.Tree) error
}

// Check checks the named profiles, in order.
func (c *Checker) Check(names []string) []Result {
	results := make([]Result, 0, len(names))
	for i, name := range names {
		p, ok := c.Catalogue.Lookup(name)
		if !ok {
			results = append(results, Result{Profile: name, Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such profile", Detail: name}}})
			continue
		}
		r := Result{Profile: name}
		r.Diags = append(r.Diags, metadata(p)...)
		if p.Example == cty.NilVal {
			results = append(results, r)
			continue
		}
		dep, genDiags := c.generate(p, filepath.Join(c.WorkDir, fmt.Sprintf("%03d-%s", i, name)))
		n, d := c.optionPaths(p, dep)
		r.Options = n
		r.Diags = append(r.Diags, d...)
		r.Diags = append(r.Diags, genDiags...)
		results = append(results, r)
	}
	return results
}

// metadata checks what the catalogue asks of every profile beyond what
// the loader requires.
func metadata(p *profiles.Profile) hcl.Diagnostics {
	var diags hcl.Diagnostics
	missing := func(what, hint string) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Profile lacks " + what,
			Detail:   fmt.Sprintf("Profile %q: %s", p.Name, hint),
			Subject:  p.DeclRange.Ptr(),
		})
	}
	if p.Source == "" {
		missing("source", `add source = "nixos/modules/..." naming the nixpkgs file its options were checked against.`)
	}
	if p.License == "" {
		missing("license", `add license = "<SPDX id>" of the application.`)
	}
	if p.Maturity == "" {
		missing("maturity", `add maturity = "stable", "beta" or "experimental".`)
	}
	if p.Example == cty.NilVal {
		missing("an example", `add example = { ... }, a minimal with-map that makes it render (example = {} when no parameter is required).`)
	}
	return diags
}

// optionPaths renders the profile with its example and checks every option
// path it sets against the options data.
//
// A profile that spans machines is rendered on the first machine of the
// test deployment (dep, nil when it did not load), with the cluster
// context the generator gives it.
func (c *Checker) optionPaths(p *profiles.Profile, dep *config.Deployment) (int, hcl.Diagnostics) {
	var r *profiles.Rendered
	var diags hcl.Diagnostics
	switch {
	case !p.Spans():
		r, diags = p.Render(profiles.Instance{Service: p.Name, Machine: "check", Params: exampleParams(p)})
	case dep == nil:
		return 0, nil // the test deployment's errors say why
	default:
		s := dep.Services[0]
		for _, svc := range dep.Services {
			if svc.Name == p.Name {
				s = svc
			}
		}
		r, diags = generator.RenderService(dep, s, s.Members[0].Machine)
	}
	if diags.HasErrors() {
		return 0, diags
	}
	var paths [][]string
	for _, tree := range r.OptionTrees() {
		for it := tree.ElementIterator(); it.Next(); {
			k, v := it.Element()
			expr, err := nix.FromCty(v)
			if err != nil {
				diags = append(diags, errorAt(p.NixOS.Range(), "Value cannot be written as Nix", "%s: %s", k.AsString(), err))
				continue
			}
			leaves(strings.Split(k.AsString(), "."), expr, &paths)
		}
		diags = append(diags, secretValues(p, tree)...)
	}
	for _, path := range paths {
		if !c.Options.Covers(path) {
			diags = append(diags, errorAt(p.NixOS.Range(), "Option not checked against nixpkgs",
				"Profile %q sets %s, which no entry of the %s files covers. Check the option's name and type in the NixOS module source and record it there (see docs/profiles.md).",
				p.Name, strings.Join(path, "."), profiles.OptionsFile))
		}
	}
	return len(paths), diags
}

// leaves collects the paths of the values in an option tree: the options
// set, as opposed to the attribute sets that lead to them.
func leaves(prefix []string, e nix.Expr, out *[][]string) {
	attrs, ok := e.(nix.Attrs)
	if !ok || len(attrs) == 0 {
		*out = append(*out, prefix)
		return
	}
	for _, b := range attrs {
		leaves(append(append([]string(nil), prefix...), b.Path...), b.Value, out)
	}
}

// generate puts the profile on a machine of a small deployment, as an
// operator would with the example, and generates the flake: this runs
// the loader's parameter checks, the requirements, the option merge with
// the profiles it pulls in, and the Nix printer.
//
// It returns the loaded deployment, nil when it did not load.
func (c *Checker) generate(p *profiles.Profile, dir string) (*config.Deployment, hcl.Diagnostics) {
	src := deploymentFor(p, c.Catalogue)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot write the test deployment", Detail: err.Error()}}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), src, 0o644); err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot write the test deployment", Detail: err.Error()}}
	}
	dep, _, diags := config.Load(dir, config.Options{Catalogue: c.Catalogue})
	if diags.HasErrors() {
		return nil, explain(p, diags)
	}
	tree, diags := generator.Generate(dep, c.Catalogue)
	if diags.HasErrors() {
		return dep, explain(p, diags)
	}
	if c.NixParse == nil {
		return dep, nil
	}
	out := filepath.Join(dir, "nix")
	if err := generator.Write(out, tree); err != nil {
		return dep, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot write the flake", Detail: err.Error()}}
	}
	if err := c.NixParse(out, tree); err != nil {
		return dep, hcl.Diagnostics{errorAt(p.NixOS.Range(), "Generated Nix does not parse",
			"Profile %q with its example produces Nix that nix-instantiate rejects (look at nix(...) texts):\n%s", p.Name, err)}
	}
	return dep, nil
}

// explain keeps diagnostics from the generated test deployment but says
// where they came from: the profile's example.
func explain(p *profiles.Profile, diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		moved := *d
		if d.Subject != nil && strings.HasSuffix(d.Subject.Filename, "main.fc.hcl") {
			moved.Subject = p.DeclRange.Ptr()
			moved.Detail = fmt.Sprintf("With its example, on a test machine: %s", d.Detail)
		}
		out = append(out, &moved)
	}
	return out
}

// deploymentFor writes the deployment an operator would to try the profile:
// one machine, the profile with its example, and every profile it requires
// that cannot be added with defaults alone, with their examples.
func deploymentFor(p *profiles.Profile, cat *profiles.Catalogue) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.AppendNewBlock("deployment", []string{"check"})
	body.AppendNewBlock("provider", []string{"hetzner", "test"})
	machines := []string{"check"}
	if p.Spans() {
		machines = clusterMachines
	}
	for i, name := range machines {
		m := body.AppendNewBlock("machine", []string{name}).Body()
		m.SetAttributeTraversal("provider", hcl.Traversal{hcl.TraverseRoot{Name: "provider"}, hcl.TraverseAttr{Name: "hetzner"}, hcl.TraverseAttr{Name: "test"}})
		m.SetAttributeValue("location", cty.StringVal(hetznerLocations[i%len(hetznerLocations)]))
		m.SetAttributeValue("size", cty.StringVal("cx32"))
		m.SetAttributeValue("admins", cty.ListVal([]cty.Value{cty.StringVal("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t check@freecloud")}))
		if disk := contributedDisk(p); disk.IsKnown() && !disk.IsNull() {
			m.SetAttributeValue("disks", cty.TupleVal([]cty.Value{disk}))
		}
	}
	machineRef := func(name string) hcl.Traversal {
		return hcl.Traversal{hcl.TraverseRoot{Name: "machine"}, hcl.TraverseAttr{Name: name}}
	}
	service := func(name string, q *profiles.Profile) {
		if !q.Spans() && len(machines) > 1 {
			// A requirement of a profile on several machines is
			// needed on each of them.
			for _, m := range machines {
				s := body.AppendNewBlock("service", []string{name + "-" + m}).Body()
				s.SetAttributeValue("profile", cty.StringVal(q.Name))
				s.SetAttributeTraversal("machine", machineRef(m))
				if q.Example != cty.NilVal && !q.Example.IsNull() && q.Example.LengthInt() > 0 {
					s.SetAttributeValue("with", q.Example)
				}
			}
			return
		}
		s := body.AppendNewBlock("service", []string{name}).Body()
		s.SetAttributeValue("profile", cty.StringVal(q.Name))
		if !q.Spans() {
			s.SetAttributeTraversal("machine", machineRef(machines[0]))
		} else {
			// Every machine in every role.
			var list []hclwrite.Tokens
			for _, m := range machines {
				list = append(list, hclwrite.TokensForTraversal(machineRef(m)))
			}
			var roles []hclwrite.ObjectAttrTokens
			for _, r := range q.RoleNames() {
				roles = append(roles, hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier(r), Value: hclwrite.TokensForTuple(list)})
			}
			s.SetAttributeRaw("roles", hclwrite.TokensForObject(roles))
		}
		if q.Example != cty.NilVal && !q.Example.IsNull() && q.Example.LengthInt() > 0 {
			s.SetAttributeValue("with", q.Example)
		}
	}
	service(p.Name, p)
	if p.Spans() && p.Cluster != config.MeshCoordinator {
		// Storage clusters talk over the mesh.
		if mesh, ok := cat.Lookup(meshProfile); ok {
			service(meshProfile, mesh)
		}
	}
	seen := map[string]bool{p.Name: true}
	queue := []*profiles.Profile{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, req := range q.AllRequires() {
			r, ok := cat.Lookup(req)
			if !ok || seen[req] {
				continue
			}
			seen[req] = true
			queue = append(queue, r)
			if needsParams(r) {
				service(req, r)
			}
		}
	}
	return f.Bytes()
}

// The test deployment of a profile that spans machines: nine machines
// (a pool's consumer needs eight others), spread over Hetzner's locations.
var (
	clusterMachines  = []string{"check1", "check2", "check3", "check4", "check5", "check6", "check7", "check8", "check9"}
	hetznerLocations = []string{"fsn1", "nbg1", "hel1", "ash", "hil", "sin"}
)

// meshProfile is the mesh the storage clusters of the test deployment
// run over.
const meshProfile = "wireguard-mesh"

// contributedDisk is the data disk a test machine contributes to the
// profile, named as the profile's disk parameter defaults (a raw one for
// a ZFS pool); null when the profile takes none.
func contributedDisk(p *profiles.Profile) cty.Value {
	param := p.Param("disk")
	if param == nil || param.Default == cty.NilVal || param.Default.IsNull() || param.Type != cty.String {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	disk := map[string]cty.Value{"name": param.Default, "size": cty.NumberIntVal(1000)}
	if p.Cluster == "zfs-pool" {
		disk["format"] = cty.StringVal(config.DiskRaw)
	}
	return cty.ObjectVal(disk)
}

func needsParams(p *profiles.Profile) bool {
	for _, param := range p.Params {
		if param.Required() {
			return true
		}
	}
	return false
}

// exampleParams converts a profile's example to its parameters' types and
// fills in defaults, as the loader would for an operator.
func exampleParams(p *profiles.Profile) map[string]cty.Value {
	params := map[string]cty.Value{}
	if p.Example == cty.NilVal || p.Example.IsNull() {
		return params
	}
	for it := p.Example.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if param := p.Param(k.AsString()); param != nil {
			if converted, err := convert.Convert(v, param.Type); err == nil {
				v = converted
			}
		}
		params[k.AsString()] = v
	}
	return params
}

func errorAt(rng hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}
}

// Failed returns the sorted names of the profiles in results that failed.
func Failed(results []Result) []string {
	var out []string
	for _, r := range results {
		if r.Diags.HasErrors() {
			out = append(out, r.Profile)
		}
	}
	sort.Strings(out)
	return out
}

// secretish matches option names that hold a secret itself rather than the
// path of a file with it (adminpass, smtpPassword, api_token, secretKey…).
var secretish = regexp.MustCompile(`(?i)(pass(word|wd)?|secret|token|api_?key|private_?key|credentials?)$`)

// notSecret are option names that end like a secret but are not: nginx's
// upstream directives (proxyPass, fastcgiPass…).
var notSecret = regexp.MustCompile(`(?i)(proxy|fastcgi|uwsgi|scgi|grpc|memcached)_?pass$`)

// envPlaceholder matches values an application fills in from its
// environment: $TOKEN, ${TOKEN}, {{ .Envs.TOKEN }}.
var envPlaceholder = regexp.MustCompile(`^\s*(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{[^}]*\}\})\s*$`)

// fileReference tells whether a value points at a secret rather than
// holding it: a path, an environment placeholder, or an application's
// file-inclusion syntax around a path (Stalwart's %{file:/run/...}%, Grafana's $__file{...}).
func fileReference(s string) bool {
	return strings.HasPrefix(s, "/") || envPlaceholder.MatchString(s) || strings.Contains(s, "{file:/") || strings.Contains(s, "$__file{/") ||
		strings.Contains(s, profiles.SecretsDir+"/") || strings.Contains(s, profiles.ProvidedSecretsDir+"/") ||
		strings.Contains(s, "/run/credentials/")
}

// secretValues refuses option values that look like secrets written into
// the profile: anything under a secret-named option that is not a path.
// Secrets are files on the host (secret.<name>); a literal would land in
// the world-readable Nix store.
func secretValues(p *profiles.Profile, options cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var walk func(path []string, v cty.Value)
	walk = func(path []string, v cty.Value) {
		if v.IsNull() || !v.IsKnown() {
			return
		}
		switch {
		case v.Type().IsObjectType() || v.Type().IsMapType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				walk(append(append([]string(nil), path...), k.AsString()), e)
			}
		case v.Type() == cty.String && secretish.MatchString(path[len(path)-1]) && !notSecret.MatchString(path[len(path)-1]):
			if s := v.AsString(); s != "" && !fileReference(s) {
				diags = append(diags, errorAt(p.NixOS.Range(), "Secret value in a profile",
					"Profile %q sets %s to a literal. Secrets never appear in the Nix store: declare a secret block and point the module's file option at secret.<name>.",
					p.Name, strings.Join(path, ".")))
			}
		}
	}
	for it := options.ElementIterator(); it.Next(); {
		k, v := it.Element()
		walk(strings.Split(k.AsString(), "."), v)
	}
	return diags
}
