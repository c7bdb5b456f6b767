package profiles

import (
	"fmt"
	"sort"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/generator/nix"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// An Instance is one service using a profile: the names it runs under and
// its parameters, complete and converted to the declared types.
type Instance struct {
	Service string
	Machine string
	Params  map[string]cty.Value
}

// renderFunctions are the functions a profile's nixos tree may call: the
// pure library plus nix(), the one explicit way to write raw Nix.
var renderFunctions = func() map[string]function.Function {
	funcs := lang.PureFunctions()
	funcs["nix"] = nix.RawFunc
	return funcs
}()

// Render evaluates the profile's nixos tree for one instance. The result is
// an object whose keys are NixOS option paths (services.nextcloud) and whose
// values are the option trees.
func (p *Profile) Render(in Instance) (cty.Value, hcl.Diagnostics) {
	params := map[string]cty.Value{}
	for _, param := range p.Params {
		v, ok := in.Params[param.Name]
		if !ok {
			v = param.Default
		}
		if v == cty.NilVal {
			return cty.NilVal, hcl.Diagnostics{errorAt(param.DeclRange, "Missing parameter",
				fmt.Sprintf("Service %q sets no value for the required parameter %q.", in.Service, param.Name))}
		}
		params[param.Name] = v
	}
	secrets := map[string]cty.Value{}
	for _, s := range p.Secrets {
		secrets[s.Name] = cty.StringVal(SecretPath(in.Service, s.Name))
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"param":  cty.ObjectVal(params),
			"secret": cty.ObjectVal(secrets),
			"service": cty.ObjectVal(map[string]cty.Value{
				"name":    cty.StringVal(in.Service),
				"machine": cty.StringVal(in.Machine),
			}),
		},
		Functions: renderFunctions,
	}
	v, diags := p.NixOS.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return cty.NilVal, append(diags, errorAt(p.NixOS.Range(), "Invalid nixos tree",
			`nixos is a map from NixOS option paths to values, like { "services.nginx" = { enable = true } }.`))
	}
	return v, diags
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
