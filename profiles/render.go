package profiles

import (
	"fmt"
	"sort"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/generator/nix"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// An Instance is one service using a profile: the names it runs under and
// its parameters, complete and converted to the declared types.
type Instance struct {
	Service string
	Machine string
	Params  map[string]cty.Value
	// Roles are the machine's roles in a service that spans machines;
	// none otherwise.
	Roles []string
	// Cluster is what the profile sees of the other members as cluster.*
	// (generator's cluster contexts); cty.NilVal when it does not span
	// machines, and then cluster is not defined.
	Cluster cty.Value
}

// Rendered is a profile evaluated for one instance.
type Rendered struct {
	// Options is an object whose keys are NixOS option paths
	// (services.nextcloud) and whose values are the option trees.
	Options cty.Value
	// Routes are the profile's exposes, resolved.
	Routes []Route
	// StatePaths are the service's data paths.
	StatePaths []string
	// SecretBefore are, by secret name, the units that read it.
	SecretBefore map[string][]string
	// HealthUnit is the unit that must be active; "" when none.
	HealthUnit string
	// RoleOptions are the option trees of the machine's roles, in the
	// profile's order, set besides Options.
	RoleOptions []cty.Value
}

// renderFunctions are the functions a profile's nixos tree may call: the
// pure library plus nix(), the one explicit way to write raw Nix.
var renderFunctions = func() map[string]function.Function {
	funcs := lang.PureFunctions()
	funcs["nix"] = nix.RawFunc
	return funcs
}()

// Render evaluates the profile's nixos tree and exposes for one instance.
func (p *Profile) Render(in Instance) (*Rendered, hcl.Diagnostics) {
	params := map[string]cty.Value{}
	for _, param := range p.Params {
		v, ok := in.Params[param.Name]
		if !ok {
			v = param.Default
		}
		if v == cty.NilVal {
			return nil, hcl.Diagnostics{errorAt(param.DeclRange, "Missing parameter",
				fmt.Sprintf("Service %q sets no value for the required parameter %q.", in.Service, param.Name))}
		}
		params[param.Name] = v
	}
	secrets := map[string]cty.Value{}
	for _, s := range p.Secrets {
		secrets[s.Name] = cty.StringVal(s.Path(in.Service))
	}
	roles := cty.ListValEmpty(cty.String)
	if len(in.Roles) > 0 {
		roles = cty.ListVal(stringVals(in.Roles))
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"param":  cty.ObjectVal(params),
			"secret": cty.ObjectVal(secrets),
			"service": cty.ObjectVal(map[string]cty.Value{
				"name":    cty.StringVal(in.Service),
				"machine": cty.StringVal(in.Machine),
				"roles":   roles,
				// facts_dir is where the host publishes the facts
				// freecloud collects (collect blocks).
				"facts_dir": cty.StringVal(FactsDir + "/" + in.Service),
			}),
		},
		Functions: renderFunctions,
	}
	if in.Cluster != cty.NilVal {
		ctx.Variables["cluster"] = in.Cluster
	}
	v, diags := optionTree(p.NixOS, ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	out := &Rendered{Options: v, SecretBefore: map[string][]string{}}
	for _, r := range p.Roles {
		if r.NixOS == nil || !contains(in.Roles, r.Name) {
			continue
		}
		v, d := optionTree(r.NixOS, ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, diags
		}
		out.RoleOptions = append(out.RoleOptions, v)
	}

	for _, e := range p.Expose {
		route, d := e.resolve(ctx)
		diags = append(diags, d...)
		out.Routes = append(out.Routes, route)
	}
	if p.State != nil {
		var d hcl.Diagnostics
		out.StatePaths, d = resolveStrings(p.State.PathsExpr, cty.List(cty.String), ctx)
		diags = append(diags, d...)
		if p.State.PathsExpr != nil {
			diags = append(diags, checkStatePaths(out.StatePaths, p.State.PathsExpr.Range())...)
		}
	}
	for _, s := range p.Secrets {
		before, d := resolveStrings(s.BeforeExpr, cty.List(cty.String), ctx)
		diags = append(diags, d...)
		out.SecretBefore[s.Name] = before
	}
	if p.Health != nil {
		unit, d := resolveStrings(p.Health.UnitExpr, cty.String, ctx)
		diags = append(diags, d...)
		if len(unit) == 1 {
			out.HealthUnit = unit[0]
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return out, diags
}

// OptionTrees are the option trees the instance sets: the profile's,
// then its roles'.
func (r *Rendered) OptionTrees() []cty.Value {
	return append([]cty.Value{r.Options}, r.RoleOptions...)
}

// optionTree evaluates a nixos tree: a map from option paths to values.
func optionTree(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return cty.NilVal, append(diags, errorAt(expr.Range(), "Invalid nixos tree",
			`nixos is a map from NixOS option paths to values, like { "services.nginx" = { enable = true } }.`))
	}
	return v, diags
}

func stringVals(list []string) []cty.Value {
	out := make([]cty.Value, len(list))
	for i, s := range list {
		out[i] = cty.StringVal(s)
	}
	return out
}

// resolveStrings evaluates a templated attribute for one instance.
func resolveStrings(expr hcl.Expression, ty cty.Type, ctx *hcl.EvalContext) ([]string, hcl.Diagnostics) {
	if expr == nil {
		return nil, nil
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	strs, err := stringsOf(v, ty)
	if err != nil {
		return nil, append(diags, errorAt(expr.Range(), "Invalid value", err.Error()))
	}
	return strs, diags
}

// resolve evaluates an expose's attributes for one instance.
func (e *Expose) resolve(ctx *hcl.EvalContext) (Route, hcl.Diagnostics) {
	r := Route{Name: e.Name, Protocol: e.Protocol, Path: "/"}
	var diags hcl.Diagnostics
	eval := func(expr hcl.Expression, ty cty.Type) (cty.Value, bool) {
		if expr == nil {
			return cty.NullVal(ty), true
		}
		v, d := expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			return cty.NilVal, false
		}
		v, err := convert.Convert(v, ty)
		if err != nil || v.IsNull() {
			diags = append(diags, errorAt(expr.Range(), "Invalid expose value", fmt.Sprintf("expose %q: must be a %s.", e.Name, ty.FriendlyName())))
			return cty.NilVal, false
		}
		return v, true
	}
	if v, ok := eval(e.Port, cty.Number); ok && !v.IsNull() {
		port, acc := v.AsBigFloat().Int64()
		if acc != 0 || port < 1 || port > 65535 {
			diags = append(diags, errorAt(e.Port.Range(), "Port out of range", fmt.Sprintf("expose %q: port %s is not between 1 and 65535.", e.Name, v.AsBigFloat().String())))
		}
		r.Port = int(port)
	}
	if v, ok := eval(e.Domain, cty.String); ok && !v.IsNull() {
		r.Domain = v.AsString()
	}
	if v, ok := eval(e.Path, cty.String); ok && !v.IsNull() {
		r.Path = v.AsString()
		if len(r.Path) == 0 || r.Path[0] != '/' {
			diags = append(diags, errorAt(e.Path.Range(), "Invalid path", fmt.Sprintf("expose %q: path starts with /, like \"/\" or \"/app\".", e.Name)))
		}
	}
	if v, ok := eval(e.Public, cty.Bool); ok && !v.IsNull() {
		r.Public = v.True()
	}
	return r, diags
}

// Validate checks a parameter value against the parameter's validation
// rules. It returns the error message of the first rule that fails, or "".
func (p *Param) Validate(value cty.Value) (string, hcl.Diagnostics) {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"param": cty.ObjectVal(map[string]cty.Value{p.Name: value})},
		Functions: renderFunctions,
	}
	for _, v := range p.Validations {
		result, diags := v.Condition.Value(ctx)
		if diags.HasErrors() {
			return "", diags
		}
		result, err := convert.Convert(result, cty.Bool)
		if err != nil || result.IsNull() {
			return "", hcl.Diagnostics{errorAt(v.Condition.Range(), "Invalid validation condition", "The condition must be true or false.")}
		}
		if result.False() {
			return v.ErrorMessage, nil
		}
	}
	return "", nil
}

// SortedParams returns the parameter names in a stable order.
func (p *Profile) SortedParams() []string {
	names := make([]string, len(p.Params))
	for i, param := range p.Params {
		names[i] = param.Name
	}
	sort.Strings(names)
	return names
}
