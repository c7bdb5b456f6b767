package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/secrets"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Options are the inputs of a load besides the directory.
type Options struct {
	// Catalogue resolves service profiles.
	Catalogue *profiles.Catalogue
	// VarArgs are the -var and -var-file flags in command-line order; later
	// ones win, as in Terraform.
	VarArgs []VarArg
	// Environ is the process environment (os.Environ()), searched for
	// FREECLOUD_VAR_<name>.
	Environ []string
	// Facts are what state knows of the hosts; the zero value when there
	// is no state yet.
	Facts Facts
}

// A VarArg is one -var name=value (Assignment) or -var-file FILE (File).
type VarArg struct {
	Assignment string
	File       string
}

// Extensions of deployment files and of automatically loaded variable files.
const (
	HCLSuffix      = ".fc.hcl"
	JSONSuffix     = ".fc.json"
	AutoVarsSuffix = ".auto.fcvars"
)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "deployment", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "provider", LabelNames: []string{"type", "name"}},
		{Type: "machine", LabelNames: []string{"name"}},
		{Type: "service", LabelNames: []string{"name"}},
		{Type: "sovereignty"},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "backup"},
	},
}

var deploymentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}, {Name: "operator_country"}, {Name: "recovery_recipients"}},
}

// loader holds the work in progress of one Load.
type loader struct {
	dir   string
	opts  Options
	funcs map[string]function.Function
	diags hcl.Diagnostics
	dep   *Deployment

	parser   *hclparse.Parser
	varDecls []*declaredVariable
	nodes    map[string]*node
	// declared records where each named object was declared, to report
	// duplicates.
	declared map[string]hcl.Range
	// meshAddresses: see loadPass.
	meshAddresses map[string]string
	// policyBroken: the sovereignty block or operator_country has an
	// error (reported), so the policy is not enforced, which would only
	// add noise.
	policyBroken bool
}

// Load reads the deployment in dir. It returns the model, the parsed files
// (for rendering diagnostics with source snippets, also on failure) and the
// diagnostics; the model is only complete when there are no errors.
//
// A deployment with a mesh is loaded twice: machine.<name>.mesh_address
// depends on the mesh service's members and cidr, which are known only
// once the services are decoded. The first pass, with every mesh_address
// null, finds the meshes and allocates their addresses; the second is the
// load, with the addresses in place.
func Load(dir string, opts Options) (*Deployment, map[string]*hcl.File, hcl.Diagnostics) {
	dep, files, diags := loadPass(dir, opts, nil)
	addrs, more := allocateMeshes(dep, opts.Facts.MeshAddresses)
	if addrs == nil {
		return dep, files, diags
	}
	if more.HasErrors() {
		return dep, files, append(diags, more...)
	}
	dep, files, diags = loadPass(dir, opts, addrs)
	_, more = allocateMeshes(dep, opts.Facts.MeshAddresses)
	diags = append(diags, more...)
	sortDiagnostics(diags)
	return dep, files, diags
}

// loadPass is one pass of Load; meshAddresses are the machines' mesh
// addresses, nil in the first pass.
func loadPass(dir string, opts Options, meshAddresses map[string]string) (*Deployment, map[string]*hcl.File, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	l := &loader{
		dir:           dir,
		opts:          opts,
		funcs:         lang.Functions(dir),
		dep:           &Deployment{Dir: dir, Facts: opts.Facts},
		parser:        parser,
		nodes:         map[string]*node{},
		declared:      map[string]hcl.Range{},
		meshAddresses: meshAddresses,
	}
	// Schema errors (an unknown block type) do not stop the load, so the
	// operator sees every problem at once; syntax errors do, because the
	// blocks of a broken file are missing and everything that refers to
	// them would be reported too.
	if blocks, ok := l.parse(); ok {
		l.decode(blocks)
	}
	sortDiagnostics(l.diags)
	return l.dep, parser.Files(), l.diags
}

// sortDiagnostics orders diagnostics as the operator reads the files: by
// file, then position. Ones without a place come first.
func sortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
}

// parse reads every deployment file and returns its top-level blocks, in
// file-name order so that diagnostics and "first declared" are stable.
func (l *loader) parse() (hcl.Blocks, bool) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the deployment directory",
			Detail:   fmt.Sprintf("%s. Point -C at a directory holding *%s files.", err, HCLSuffix),
		})
		return nil, false
	}
	var blocks hcl.Blocks
	syntaxOK := true
	found := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, HCLSuffix) || strings.HasSuffix(name, JSONSuffix)) {
			continue
		}
		found++
		path := filepath.Join(l.dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error()})
			syntaxOK = false
			continue
		}
		var file *hcl.File
		var diags hcl.Diagnostics
		if strings.HasSuffix(name, JSONSuffix) {
			file, diags = l.parser.ParseJSON(src, displayPath(l.dir, name))
		} else {
			file, diags = l.parser.ParseHCL(src, displayPath(l.dir, name))
		}
		l.diags = append(l.diags, diags...)
		if file == nil || diags.HasErrors() {
			syntaxOK = false
			continue
		}
		content, diags := file.Body.Content(rootSchema)
		l.diags = append(l.diags, diags...)
		blocks = append(blocks, content.Blocks...)
	}
	if found == 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No deployment files",
			Detail:   fmt.Sprintf("%s holds no *%s or *%s files. Run `freecloud init DIR` to start a deployment, or point -C at one.", l.dir, HCLSuffix, JSONSuffix),
		})
	}
	return blocks, syntaxOK && found > 0
}

func (l *loader) decode(blocks hcl.Blocks) {
	l.decodeDeployment(blocks.OfType("deployment"))
	for _, b := range blocks.OfType("variable") {
		l.declareVariable(b)
	}
	l.resolveVariables()
	for _, b := range blocks.OfType("locals") {
		attrs, diags := b.Body.JustAttributes()
		l.diags = append(l.diags, diags...)
		for _, attr := range sortedAttrs(attrs) {
			l.addLocal(attr)
		}
	}
	for _, b := range blocks.OfType("provider") {
		l.addProvider(b)
	}
	for _, b := range blocks.OfType("machine") {
		l.addMachine(b)
	}
	for _, b := range blocks.OfType("service") {
		l.addService(b)
	}
	l.evaluate()
	l.decodeSovereignty(blocks.OfType("sovereignty"))
	l.decodeBackup(blocks.OfType("backup"))
	l.checkSovereignty()
	for _, b := range blocks.OfType("output") {
		l.decodeOutput(b)
	}
	sort.Slice(l.dep.Providers, func(i, j int) bool { return l.dep.Providers[i].Address() < l.dep.Providers[j].Address() })
	sort.Slice(l.dep.Machines, func(i, j int) bool { return l.dep.Machines[i].Name < l.dep.Machines[j].Name })
	sort.Slice(l.dep.Services, func(i, j int) bool { return l.dep.Services[i].Name < l.dep.Services[j].Name })
	sort.Slice(l.dep.Outputs, func(i, j int) bool { return l.dep.Outputs[i].Name < l.dep.Outputs[j].Name })
}

func (l *loader) decodeDeployment(blocks hcl.Blocks) {
	if len(blocks) == 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No deployment block",
			Detail:   `Every deployment declares its name once, e.g. deployment "acme" {}. The name labels everything freecloud creates.`,
		})
		return
	}
	for _, extra := range blocks[1:] {
		l.diags = append(l.diags, errorf(extra.DefRange, "Duplicate deployment block",
			"A deployment is declared once; the first is at %s. Remove this one.", at(blocks[0].DefRange)))
	}
	b := blocks[0]
	l.dep.Name = b.Labels[0]
	l.dep.DeclRange = b.DefRange
	if !hostnameRe.MatchString(l.dep.Name) {
		l.diags = append(l.diags, errorf(b.LabelRanges[0], "Invalid deployment name",
			"%q: deployment names label cloud resources, so they are lowercase letters, digits and dashes, like \"acme\".", l.dep.Name))
	}
	content, diags := b.Body.Content(deploymentSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["description"]; attr != nil {
		if v, ok := l.evalAs(attr, nil, cty.String); ok && !v.IsNull() {
			l.dep.Description = v.AsString()
		}
	}
	if attr := content.Attributes["operator_country"]; attr != nil {
		v, ok := l.evalAs(attr, nil, cty.String)
		switch {
		case !ok || (!v.IsNull() && !l.checkCountry(v.AsString(), attr.Expr.Range())):
			l.policyBroken = true // reported; not asked for again
		case !v.IsNull():
			l.dep.OperatorCountry = v.AsString()
		}
	}
	l.decodeRecoveryRecipients(content.Attributes["recovery_recipients"])
}

// decodeRecoveryRecipients reads the public keys that operators' secrets
// are sealed to besides the host key, so that a person can re-seal them
// for a reinstalled or moved machine. Each is checked where it is
// written: a key age cannot seal to is refused at its list element.
func (l *loader) decodeRecoveryRecipients(attr *hcl.Attribute) {
	if attr == nil {
		return
	}
	ctx := l.contextForExpr(attr.Expr)
	if ctx == nil {
		return
	}
	v, ok := l.evalAs(attr, ctx, cty.List(cty.String))
	if !ok || v.IsNull() {
		return
	}
	ranges := elementRanges(attr.Expr, v.LengthInt())
	for i, item := range v.AsValueSlice() {
		if item.IsNull() {
			continue
		}
		r := strings.TrimSpace(item.AsString())
		if _, err := secrets.ParseRecipient(r); err != nil {
			l.diags = append(l.diags, errorf(ranges[i], "Invalid recovery recipient", "%s", err))
			continue
		}
		l.dep.RecoveryRecipients = append(l.dep.RecoveryRecipients, r)
	}
}

// declare records a named object and reports a duplicate.
func (l *loader) declare(addr string, kind string, rng hcl.Range) bool {
	if prev, dup := l.declared[addr]; dup {
		l.diags = append(l.diags, errorf(rng, "Duplicate "+kind,
			"%s is already declared at %s. Names are unique across all files of a deployment; rename or remove one.", addr, at(prev)))
		return false
	}
	l.declared[addr] = rng
	return true
}

// displayPath is how a file of the deployment is named in diagnostics:
// relative to where freecloud runs, so the operator can open it.
func displayPath(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return filepath.Join(dir, name)
}

func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

func errorf(rng hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}
}
