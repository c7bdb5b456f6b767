package profiles

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "profile", LabelNames: []string{"name"}}},
}

var profileSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "summary", Required: true},
		{Name: "category", Required: true},
		{Name: "module", Required: true},
		{Name: "source"},
		{Name: "upstream"},
		{Name: "license"},
		{Name: "maturity"},
		{Name: "sso"},
		{Name: "requires"},
		{Name: "multi_instance"},
		{Name: "cluster"},
		{Name: "example"},
		{Name: "nixos", Required: true},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "param", LabelNames: []string{"name"}},
		{Type: "secret", LabelNames: []string{"name"}},
		{Type: "state"},
		{Type: "expose", LabelNames: []string{"name"}},
		{Type: "health"},
		{Type: "role", LabelNames: []string{"name"}},
		{Type: "collect", LabelNames: []string{"name"}},
	},
}

var (
	maturities  = []string{"stable", "beta", "experimental"}
	ssoKinds    = []string{"oidc", "ldap", "proxy", "none"}
	protocols   = []string{"http", "tcp", "udp"}
	dbEngines   = []string{"postgresql", "mysql"}
	healthAttrs = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "unit"}, {Name: "http"}}}
)

var paramSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true},
		{Name: "default"},
		{Name: "description"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

var secretSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "generate"},
		{Name: "provided"},
		{Name: "shared"},
		{Name: "description"},
		{Name: "env"},
		{Name: "prefix"},
		{Name: "length"},
		{Name: "owner"},
		{Name: "group"},
		{Name: "mode"},
		{Name: "before"},
	},
}

var stateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "paths"}, {Name: "databases"}},
}

var exposeSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "protocol"},
		{Name: "port"},
		{Name: "domain"},
		{Name: "path"},
		{Name: "public"},
	},
}

// Names are used in unit names, file paths and Nix attribute names, so they
// are kept to a small, safe alphabet.
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

var secretRules = []string{"password", "hex", "base64"}

// decodeFile decodes one parsed profile file. name is the file's path inside
// the catalogue (<category>/<name>.hcl), which the profile must match so that
// the catalogue stays navigable.
func decodeFile(file *hcl.File, name string) (*Profile, hcl.Diagnostics) {
	content, diags := file.Body.Content(fileSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(content.Blocks) != 1 {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "One profile per file",
			Detail:   fmt.Sprintf("A profile file holds exactly one profile block; this one has %d.", len(content.Blocks)),
			Subject:  file.Body.MissingItemRange().Ptr(),
		})
	}
	block := content.Blocks[0]
	p := &Profile{Name: block.Labels[0], File: block.DefRange.Filename, DeclRange: block.DefRange, Example: cty.NilVal}

	category, base := path.Split(name)
	category = strings.TrimSuffix(category, "/")
	if want := strings.TrimSuffix(base, ".hcl"); p.Name != want {
		diags = append(diags, errorAt(block.LabelRanges[0], "Profile name does not match its file",
			fmt.Sprintf("The profile in %s must be named %q, after its file, so authors and operators find it.", name, want)))
	}
	if !nameRe.MatchString(p.Name) {
		diags = append(diags, errorAt(block.LabelRanges[0], "Invalid profile name",
			"Profile names are lowercase words joined by dashes, like \"reverse-proxy\"."))
	}

	body, moreDiags := block.Body.Content(profileSchema)
	diags = append(diags, moreDiags...)
	if body == nil {
		return nil, diags
	}
	diags = append(diags, decodeAttr(body.Attributes["summary"], &p.Summary)...)
	diags = append(diags, decodeAttr(body.Attributes["category"], &p.Category)...)
	diags = append(diags, decodeAttr(body.Attributes["module"], &p.Module)...)
	diags = append(diags, decodeAttr(body.Attributes["source"], &p.Source)...)
	diags = append(diags, decodeAttr(body.Attributes["upstream"], &p.Upstream)...)
	diags = append(diags, decodeAttr(body.Attributes["license"], &p.License)...)
	diags = append(diags, decodeAttr(body.Attributes["maturity"], &p.Maturity)...)
	diags = append(diags, decodeAttr(body.Attributes["sso"], &p.SSO)...)
	diags = append(diags, decodeAttr(body.Attributes["requires"], &p.Requires)...)
	diags = append(diags, decodeAttr(body.Attributes["multi_instance"], &p.MultiInstance)...)
	if p.SSO == "" {
		p.SSO = "none"
	}
	diags = append(diags, checkEnum(body.Attributes["maturity"], p.Maturity, maturities)...)
	diags = append(diags, checkEnum(body.Attributes["sso"], p.SSO, ssoKinds)...)
	if attr := body.Attributes["category"]; attr != nil && category != "" && p.Category != category {
		diags = append(diags, errorAt(attr.Expr.Range(), "Category does not match the directory",
			fmt.Sprintf("The profile lives in %s/ but says category = %q; move the file or fix the category.", category, p.Category)))
	}
	if attr := body.Attributes["example"]; attr != nil {
		v, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() && !v.IsNull() && !v.Type().IsObjectType() && !v.Type().IsMapType() {
			diags = append(diags, errorAt(attr.Expr.Range(), "Invalid example", "example is a map of parameters, like { domain = \"cloud.example.org\" }."))
		} else {
			p.Example = v
		}
	}
	if attr := body.Attributes["nixos"]; attr != nil {
		p.NixOS = attr.Expr
	}

	seen := map[string]hcl.Range{}
	for _, b := range body.Blocks {
		if len(b.Labels) == 1 { // param, secret, expose: unique by name
			key := b.Type + " " + b.Labels[0]
			if prev, dup := seen[key]; dup {
				diags = append(diags, errorAt(b.LabelRanges[0], "Duplicate "+b.Type,
					fmt.Sprintf("%s %q is already declared at %s.", b.Type, b.Labels[0], prev)))
				continue
			}
			seen[key] = b.DefRange
		}
		switch b.Type {
		case "param":
			param, d := decodeParam(b)
			diags = append(diags, d...)
			if param != nil {
				p.Params = append(p.Params, param)
			}
		case "secret":
			secret, d := decodeSecret(b)
			diags = append(diags, d...)
			p.Secrets = append(p.Secrets, secret)
		case "state":
			if p.State != nil {
				diags = append(diags, errorAt(b.DefRange, "Duplicate state block", "A profile has at most one state block."))
				continue
			}
			state, d := decodeState(b)
			diags = append(diags, d...)
			p.State = state
		case "role":
			role, d := decodeRole(b)
			diags = append(diags, d...)
			p.Roles = append(p.Roles, role)
		case "collect":
			c, d := decodeCollect(b)
			diags = append(diags, d...)
			p.Collects = append(p.Collects, c)
		case "expose":
			expose, d := decodeExpose(b)
			diags = append(diags, d...)
			p.Expose = append(p.Expose, expose)
		case "health":
			if p.Health != nil {
				diags = append(diags, errorAt(b.DefRange, "Duplicate health block", "A profile has at most one health block."))
				continue
			}
			content, d := b.Body.Content(healthAttrs)
			diags = append(diags, d...)
			p.Health = &Health{}
			if content != nil {
				var unit []string
				p.Health.UnitExpr, unit, diags = templated(content.Attributes["unit"], cty.String, diags)
				if len(unit) == 1 {
					p.Health.Unit = unit[0]
				}
				diags = append(diags, decodeAttr(content.Attributes["http"], &p.Health.HTTP)...)
				if attr := content.Attributes["http"]; attr != nil && !strings.HasPrefix(p.Health.HTTP, "/") {
					diags = append(diags, errorAt(attr.Expr.Range(), "Invalid health path", `http is a path on the service's web route, like "/healthz".`))
				}
			}
		}
	}
	diags = append(diags, checkCluster(p, body)...)
	return p, diags
}

func decodeParam(b *hcl.Block) (*Param, hcl.Diagnostics) {
	content, diags := b.Body.Content(paramSchema)
	param := &Param{Name: b.Labels[0], DeclRange: b.DefRange, Default: cty.NilVal}
	if !validIdentifier(param.Name) {
		diags = append(diags, errorAt(b.LabelRanges[0], "Invalid parameter name",
			"Parameter names are identifiers like max_upload: letters, digits and underscores."))
	}
	if content == nil {
		return nil, diags
	}
	diags = append(diags, decodeAttr(content.Attributes["description"], &param.Description)...)
	for _, vb := range content.Blocks.OfType("validation") {
		vc, d := vb.Body.Content(validationSchema)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		v := &Validation{Condition: vc.Attributes["condition"].Expr}
		diags = append(diags, decodeAttr(vc.Attributes["error_message"], &v.ErrorMessage)...)
		for _, t := range v.Condition.Variables() {
			if t.RootName() != "param" || len(t) < 2 || traverserName(t[1]) != param.Name {
				diags = append(diags, errorAt(t.SourceRange(), "Invalid validation condition",
					fmt.Sprintf("A validation condition may only refer to the parameter itself, param.%s.", param.Name)))
			}
		}
		param.Validations = append(param.Validations, v)
	}
	attr := content.Attributes["type"]
	if attr == nil {
		return nil, diags
	}
	ty, d := typeexpr.TypeConstraint(attr.Expr)
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags
	}
	param.Type = ty
	if def := content.Attributes["default"]; def != nil {
		v, d := def.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, diags
		}
		converted, err := convert.Convert(v, ty)
		if err != nil {
			diags = append(diags, errorAt(def.Expr.Range(), "Default does not match the parameter type",
				fmt.Sprintf("The default of %q must be %s: %s.", param.Name, typeexpr.TypeString(ty), err)))
			return nil, diags
		}
		param.Default = converted
	}
	return param, diags
}

func decodeSecret(b *hcl.Block) (*Secret, hcl.Diagnostics) {
	content, diags := b.Body.Content(secretSchema)
	secret := &Secret{Name: b.Labels[0], Length: 32, Owner: "root", Group: "root", Mode: "0400", DeclRange: b.DefRange}
	if !nameRe.MatchString(strings.ReplaceAll(secret.Name, "_", "-")) {
		diags = append(diags, errorAt(b.LabelRanges[0], "Invalid secret name",
			"Secret names become file names on the host: lowercase letters, digits, - and _."))
	}
	if content == nil {
		return secret, diags
	}
	diags = append(diags, decodeAttr(content.Attributes["generate"], &secret.Generate)...)
	diags = append(diags, decodeAttr(content.Attributes["provided"], &secret.Provided)...)
	diags = append(diags, decodeAttr(content.Attributes["shared"], &secret.Shared)...)
	diags = append(diags, decodeAttr(content.Attributes["description"], &secret.Description)...)
	diags = append(diags, decodeAttr(content.Attributes["env"], &secret.Env)...)
	diags = append(diags, decodeAttr(content.Attributes["prefix"], &secret.Prefix)...)
	diags = append(diags, decodeAttr(content.Attributes["length"], &secret.Length)...)
	if attr := content.Attributes["env"]; attr != nil && !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(secret.Env) {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid environment variable name", `env is a variable name like "APP_KEY".`))
	}
	for _, name := range []string{"env", "prefix"} {
		if attr := content.Attributes[name]; attr != nil && secret.Provided {
			diags = append(diags, errorAt(attr.Expr.Range(), name+" is for generated secrets",
				"A provided secret is stored as the operator gives it; describe its expected format in description instead."))
		}
	}
	if attr := content.Attributes["prefix"]; attr != nil && strings.ContainsAny(secret.Prefix, "\n\r'\\") {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid prefix", "prefix is one line of plain text, like \"base64:\"."))
	}
	switch {
	case secret.Shared && secret.Provided:
		diags = append(diags, errorAt(content.Attributes["shared"].Expr.Range(), "A secret is shared or provided, not both",
			`A shared secret is made by freecloud (generate = ...) and sealed to every machine of the service; a provided one comes from the operator. Remove one of shared and provided.`))
	case secret.Shared && secret.Generate == "":
		diags = append(diags, errorAt(content.Attributes["shared"].Expr.Range(), "Shared secret without a generation rule",
			`freecloud makes a shared secret itself, so it needs generate = "password", "hex" or "base64".`))
	case (secret.Generate == "") == !secret.Provided:
		diags = append(diags, errorAt(b.DefRange, "Secret needs exactly one source",
			`A secret is either generated on the host (generate = "password", "hex" or "base64"), made by freecloud for several machines (generate = ... and shared = true), or provided by the operator (provided = true).`))
	}
	diags = append(diags, decodeAttr(content.Attributes["owner"], &secret.Owner)...)
	diags = append(diags, decodeAttr(content.Attributes["group"], &secret.Group)...)
	diags = append(diags, decodeAttr(content.Attributes["mode"], &secret.Mode)...)
	secret.BeforeExpr, secret.Before, diags = templated(content.Attributes["before"], cty.List(cty.String), diags)
	if attr := content.Attributes["generate"]; attr != nil && secret.Generate != "" && !contains(secretRules, secret.Generate) {
		diags = append(diags, errorAt(attr.Expr.Range(), "Unknown secret generation rule",
			fmt.Sprintf("generate must be one of %s.%s", strings.Join(secretRules, ", "), lang.DidYouMean(secret.Generate, secretRules))))
	}
	if attr := content.Attributes["length"]; attr != nil && (secret.Length < 16 || secret.Length > 4096) {
		diags = append(diags, errorAt(attr.Expr.Range(), "Secret length out of range",
			"length is between 16 and 4096: characters for password, random bytes for hex and base64. Short secrets can be guessed."))
	}
	if attr := content.Attributes["mode"]; attr != nil && !regexp.MustCompile(`^0[0-7]{3}$`).MatchString(secret.Mode) {
		diags = append(diags, errorAt(attr.Expr.Range(), "Invalid file mode", `mode is an octal file mode like "0400".`))
	}
	return secret, diags
}

func decodeState(b *hcl.Block) (*State, hcl.Diagnostics) {
	content, diags := b.Body.Content(stateSchema)
	state := &State{}
	if content == nil {
		return state, diags
	}
	state.PathsExpr, state.Paths, diags = templated(content.Attributes["paths"], cty.List(cty.String), diags)
	diags = append(diags, decodeAttr(content.Attributes["databases"], &state.Databases)...)
	if attr := content.Attributes["paths"]; attr != nil {
		diags = append(diags, checkStatePaths(state.Paths, attr.Expr.Range())...)
	}
	if attr := content.Attributes["databases"]; attr != nil {
		for _, db := range state.Databases {
			engine, name, ok := strings.Cut(db, ":")
			switch {
			case !ok || engine == "" || !nameRe.MatchString(strings.ReplaceAll(name, "_", "-")):
				diags = append(diags, errorAt(attr.Expr.Range(), "Invalid database reference",
					fmt.Sprintf("%q: databases are written engine:name, like \"postgresql:nextcloud\".", db)))
			case !contains(dbEngines, engine):
				diags = append(diags, errorAt(attr.Expr.Range(), "Unknown database engine",
					fmt.Sprintf("%q: freecloud creates databases in %s.%s", db, strings.Join(dbEngines, " and "), lang.DidYouMean(engine, dbEngines))))
			}
		}
	}
	return state, diags
}

func decodeExpose(b *hcl.Block) (*Expose, hcl.Diagnostics) {
	content, diags := b.Body.Content(exposeSchema)
	expose := &Expose{Name: b.Labels[0], Protocol: "tcp", DeclRange: b.DefRange}
	if content == nil {
		return expose, diags
	}
	// The protocol decides which profiles a machine needs (http brings the
	// reverse proxy), so it is fixed in the profile, not a parameter.
	diags = append(diags, decodeAttr(content.Attributes["protocol"], &expose.Protocol)...)
	diags = append(diags, checkEnum(content.Attributes["protocol"], expose.Protocol, protocols)...)
	attrExpr := func(name string) hcl.Expression {
		if attr := content.Attributes[name]; attr != nil {
			return attr.Expr
		}
		return nil
	}
	expose.Port, expose.Domain, expose.Path, expose.Public = attrExpr("port"), attrExpr("domain"), attrExpr("path"), attrExpr("public")
	switch {
	case expose.Protocol == "http" && expose.Domain == nil:
		diags = append(diags, errorAt(b.DefRange, "Web route without a domain",
			"An http expose needs domain = ..., usually param.domain: the reverse proxy serves it with a certificate for that name."))
	case expose.Protocol == "http" && expose.Public != nil:
		diags = append(diags, errorAt(expose.Public.Range(), "public has no effect on web routes",
			"Web routes are always public, through the reverse proxy on port 443. Remove public."))
	case expose.Protocol != "http" && expose.Port == nil:
		diags = append(diags, errorAt(b.DefRange, "Port missing", "A tcp or udp expose needs port = ..."))
	case expose.Protocol != "http" && (expose.Domain != nil || expose.Path != nil):
		diags = append(diags, errorAt(b.DefRange, "domain and path are for web routes",
			`Only protocol = "http" exposes have a domain and a path.`))
	}
	return expose, diags
}

// checkEnum reports a value outside a fixed set, with a suggestion.
func checkEnum(attr *hcl.Attribute, value string, allowed []string) hcl.Diagnostics {
	if attr == nil || contains(allowed, value) {
		return nil
	}
	return hcl.Diagnostics{errorAt(attr.Expr.Range(), "Invalid value for "+attr.Name,
		fmt.Sprintf("%s is one of %s.%s", attr.Name, strings.Join(allowed, ", "), lang.DidYouMean(value, allowed)))}
}

func traverserName(t hcl.Traverser) string {
	if a, ok := t.(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// decodeAttr decodes a literal attribute into a Go value; a missing
// attribute leaves target unchanged. Profiles are static data apart from
// their nixos tree, so no variables are in scope here.
func decodeAttr(attr *hcl.Attribute, target any) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	return gohcl.DecodeExpression(attr.Expr, nil, target)
}

func errorAt(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

func validIdentifier(s string) bool {
	return regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`).MatchString(s)
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// templated decodes an attribute that may use param.* and service.* (a
// state path named after the service, a unit with a parameter in its
// name). It returns the expression, resolved per service by Render, and
// its value when it is constant: a string, or the strings of a list.
func templated(attr *hcl.Attribute, ty cty.Type, diags hcl.Diagnostics) (hcl.Expression, []string, hcl.Diagnostics) {
	if attr == nil {
		return nil, nil, diags
	}
	for _, t := range attr.Expr.Variables() {
		if root := t.RootName(); root != "param" && root != "service" {
			return nil, nil, append(diags, errorAt(t.SourceRange(), "Invalid reference",
				fmt.Sprintf("%s may use param.<name> and service.name / service.machine only.", attr.Name)))
		}
	}
	if len(attr.Expr.Variables()) > 0 {
		return attr.Expr, nil, diags
	}
	v, d := attr.Expr.Value(&hcl.EvalContext{Functions: renderFunctions})
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, nil, diags
	}
	strs, err := stringsOf(v, ty)
	if err != nil {
		return nil, nil, append(diags, errorAt(attr.Expr.Range(), "Invalid value for "+attr.Name, err.Error()))
	}
	return attr.Expr, strs, diags
}

// stringsOf converts a value to ty (string or list of string) and returns
// its strings.
func stringsOf(v cty.Value, ty cty.Type) ([]string, error) {
	v, err := convert.Convert(v, ty)
	if err != nil || v.IsNull() || !v.IsWhollyKnown() {
		return nil, fmt.Errorf("expected %s", ty.FriendlyName())
	}
	if ty == cty.String {
		return []string{v.AsString()}, nil
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		if e.IsNull() {
			return nil, fmt.Errorf("the list holds null")
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

func checkStatePaths(paths []string, rng hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			diags = append(diags, errorAt(rng, "State path is not absolute",
				fmt.Sprintf("%q: state paths are absolute paths on the host, like \"/var/lib/nextcloud\".", p)))
		}
	}
	return diags
}
