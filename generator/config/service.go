package config

import (
	"fmt"
	"sort"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

func (l *loader) addService(b *hcl.Block) {
	name := b.Labels[0]
	if name == ReservedServiceName {
		l.reject("service", b, errorf(b.LabelRanges[0], "Reserved service name",
			"%q names the secrets of each machine's backup (freecloud secrets set backup password); call the service something else.", name))
		return
	}
	if !serviceNameRe.MatchString(name) {
		l.reject("service", b, errorf(b.LabelRanges[0], "Invalid service name",
			"%q: service names become unit and directory names on the host: lowercase letters and digits, words joined by - or _, like \"cloud\".", name))
		return
	}
	l.addBlockNode("service", b, serviceSchema, func(attrs hcl.Attributes, ctx *hcl.EvalContext) (cty.Value, bool) {
		s, ok := l.decodeService(name, b, attrs, ctx)
		if !ok {
			return cty.NilVal, false
		}
		l.dep.Services = append(l.dep.Services, s)
		return serviceValue(s), true
	})
}

func (l *loader) decodeService(name string, b *hcl.Block, attrs hcl.Attributes, ctx *hcl.EvalContext) (*Service, bool) {
	s := &Service{Name: name, DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}}
	for _, attr := range attrs {
		s.Ranges[attr.Name] = attr.Expr.Range()
	}
	profileName, ok := l.evalAs(attrs["profile"], ctx, cty.String)
	if !ok || profileName.IsNull() {
		return nil, false
	}
	profile, found := l.opts.Catalogue.Lookup(profileName.AsString())
	if !found {
		l.diags = append(l.diags, errorf(attrs["profile"].Expr.Range(), "Unknown profile",
			"There is no profile %q in the catalogue.%s Run `freecloud profiles list` to see them all.",
			profileName.AsString(), lang.DidYouMean(profileName.AsString(), l.opts.Catalogue.Names())))
		return nil, false
	}
	s.Profile = profile
	s.Machine, ok = l.machineFrom(attrs["machine"], ctx)
	if !ok {
		return nil, false
	}
	s.Params, ok = l.decodeParams(s, attrs["with"], ctx)
	return s, ok
}

// machineFrom reads a service's machine attribute: machine.web1, or a value
// holding a machine.
func (l *loader) machineFrom(attr *hcl.Attribute, ctx *hcl.EvalContext) (*Machine, bool) {
	v, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil, false
	}
	if !v.IsNull() && v.Type().IsObjectType() && v.Type().HasAttribute("name") && v.Type().HasAttribute("provider") {
		if name := v.GetAttr("name"); name.Type() == cty.String && !name.IsNull() {
			if m := l.dep.Machine(name.AsString()); m != nil {
				return m, true
			}
		}
	}
	l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid machine",
		"machine refers to a machine block, like machine = machine.web1."))
	return nil, false
}

// decodeParams checks a service's `with` map against its profile's params:
// every key must be a param, every value must convert to the param's type,
// every required param must be there. Diagnostics point at the key's value
// when `with` is written as an object.
func (l *loader) decodeParams(s *Service, attr *hcl.Attribute, ctx *hcl.EvalContext) (map[string]cty.Value, bool) {
	params := map[string]cty.Value{}
	ranges := map[string]hcl.Range{}    // of each key, for unknown names
	valRanges := map[string]hcl.Range{} // of each value, for wrong types
	withRange := s.DeclRange
	if attr != nil {
		withRange = attr.Expr.Range()
		v, diags := attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return nil, false
		}
		if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
			l.diags = append(l.diags, errorf(withRange, "Invalid with", "with is a map of profile parameters, like with = { domain = \"cloud.example.org\" }."))
			return nil, false
		}
		keyRanges, valueRanges := objectItemRanges(attr.Expr, ctx)
		for it := v.ElementIterator(); it.Next(); {
			k, val := it.Element()
			key := k.AsString()
			params[key] = val
			ranges[key], valRanges[key] = withRange, withRange
			if r, ok := keyRanges[key]; ok {
				ranges[key], valRanges[key] = r, valueRanges[key]
			}
		}
	}
	ok := true
	// A misspelled key is reported once, as unknown with a suggestion, not
	// also as the missing parameter it was meant to be.
	meant := map[string]bool{}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		param := s.Profile.Param(key)
		if param == nil {
			meant[lang.Closest(key, s.Profile.SortedParams())] = true
			l.diags = append(l.diags, errorf(ranges[key], "Unknown parameter",
				"Profile %q has no parameter %q.%s Its parameters are: %s.", s.Profile.Name, key,
				lang.DidYouMean(key, s.Profile.SortedParams()), listOrNone(s.Profile.SortedParams())))
			ok = false
			continue
		}
		val := params[key]
		if val.ContainsMarked() {
			l.diags = append(l.diags, errorf(valRanges[key], "Sensitive value not allowed here",
				"Parameter %q would be written into the generated flake, which lands in the world-readable Nix store. Secrets reach services as profile secrets, delivered as files on the host.", key))
			ok = false
			continue
		}
		converted, err := convert.Convert(val, param.Type)
		if err != nil {
			l.diags = append(l.diags, errorf(valRanges[key], "Invalid parameter value",
				"Parameter %q of profile %q must be %s: %s.%s", key, s.Profile.Name, typeexpr.TypeString(param.Type), err, describe(param)))
			ok = false
			continue
		}
		msg, d := param.Validate(converted)
		l.diags = append(l.diags, d...)
		if msg != "" {
			l.diags = append(l.diags, errorf(valRanges[key], "Invalid parameter value",
				"%s\n\nThis is a rule of parameter %q in profile %q.", msg, key, s.Profile.Name))
			ok = false
		}
		if d.HasErrors() {
			ok = false
		}
		params[key] = converted
	}
	for _, param := range s.Profile.Params {
		if _, set := params[param.Name]; set || meant[param.Name] {
			continue
		}
		if param.Required() {
			l.diags = append(l.diags, errorf(withRange, "Missing required parameter",
				"Profile %q needs parameter %q (%s); add it to the service: with = { %s = ... }.%s",
				s.Profile.Name, param.Name, typeexpr.TypeString(param.Type), param.Name, describe(param)))
			ok = false
			continue
		}
		params[param.Name] = param.Default
	}
	return params, ok
}

// objectItemRanges maps the keys of an object constructor to the ranges of
// the keys and of their values, so diagnostics can point at one entry of a
// with map.
func objectItemRanges(expr hcl.Expression, ctx *hcl.EvalContext) (keys, values map[string]hcl.Range) {
	keys, values = map[string]hcl.Range{}, map[string]hcl.Range{}
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return keys, values
	}
	for _, item := range obj.Items {
		k, diags := item.KeyExpr.Value(ctx)
		if diags.HasErrors() || k.IsNull() || !k.IsKnown() || k.Type() != cty.String {
			continue
		}
		keys[k.AsString()] = item.KeyExpr.Range()
		values[k.AsString()] = item.ValueExpr.Range()
	}
	return keys, values
}

func describe(p *profiles.Param) string {
	if p.Description == "" {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", p.Name, p.Description)
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

func serviceValue(s *Service) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name":    cty.StringVal(s.Name),
		"profile": cty.StringVal(s.Profile.Name),
		"machine": cty.StringVal(s.Machine.Name),
		"with":    cty.ObjectVal(s.Params),
	})
}

// ReservedServiceName is the service name under which a machine's backup
// secrets (repository password, access keys) are kept.
const ReservedServiceName = "backup"
