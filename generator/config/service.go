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
	if !l.decodeMembers(s, b, attrs, ctx) {
		return nil, false
	}
	s.Params, ok = l.decodeParams(s, attrs["with"], ctx)
	return s, ok
}

// decodeMembers reads where a service runs: machine = ... (one machine),
// machines = [...] (several, each with the profile's default role) or
// roles = { <role> = [...] } (several, by role; a machine may have more
// than one role). Only a profile with roles spans machines.
func (l *loader) decodeMembers(s *Service, b *hcl.Block, attrs hcl.Attributes, ctx *hcl.EvalContext) bool {
	var set []*hcl.Attribute
	for _, name := range []string{"machine", "machines", "roles"} {
		if attrs[name] != nil {
			set = append(set, attrs[name])
		}
	}
	p := s.Profile
	switch {
	case len(set) == 0:
		l.diags = append(l.diags, errorf(b.DefRange, "Service without a machine",
			"Say where service %q runs: machine = machine.web1%s.", s.Name, map[bool]string{true: ", machines = [...] or roles = { ... }", false: ""}[p.Spans()]))
		return false
	case len(set) > 1:
		l.diags = append(l.diags, errorf(set[1].NameRange, "Conflicting placement",
			"Service %q sets both %s and %s; use one of them.", s.Name, set[0].Name, set[1].Name))
		return false
	}
	attr := set[0]
	if attr.Name != "machine" && !p.Spans() {
		l.diags = append(l.diags, errorf(attr.NameRange, "Profile runs on one machine",
			"Profile %q declares no roles, so a service of it runs on one machine: machine = machine.web1.", p.Name))
		return false
	}
	roles := map[*Machine][]string{}
	var order []*Machine
	add := func(m *Machine, role string, rng hcl.Range) bool {
		if _, seen := roles[m]; !seen {
			order = append(order, m)
		}
		for _, r := range roles[m] {
			if r == role {
				l.diags = append(l.diags, errorf(rng, "Machine listed twice",
					"Machine %q is listed twice%s in service %q.", m.Name, map[bool]string{true: " for role " + role, false: ""}[role != ""], s.Name))
				return false
			}
		}
		if role != "" {
			roles[m] = append(roles[m], role)
		} else {
			roles[m] = roles[m][:0:0]
		}
		return true
	}
	defaultRole := ""
	if r := p.DefaultRole(); r != nil {
		defaultRole = r.Name
	}
	switch attr.Name {
	case "machine":
		m, ok := l.machineFrom(attr.Expr, ctx)
		if !ok {
			return false
		}
		s.Machine = m
		add(m, defaultRole, attr.Expr.Range())
	case "machines":
		if defaultRole == "" {
			l.diags = append(l.diags, errorf(attr.NameRange, "Roles needed",
				"Profile %q has several roles and none is the default, so say which machine plays which: roles = { %s = [...] }.", p.Name, p.RoleNames()[0]))
			return false
		}
		if !l.machineList(attr.Expr, ctx, func(m *Machine, rng hcl.Range) bool { return add(m, defaultRole, rng) }) {
			return false
		}
	case "roles":
		v, diags := attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return false
		}
		if v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
			l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid roles",
				"roles maps each role of profile %q to its machines, like roles = { %s = [machine.nas1, machine.nas2] }.", p.Name, p.RoleNames()[0]))
			return false
		}
		keyRanges, valueRanges := objectItemRanges(attr.Expr, ctx)
		for it := v.ElementIterator(); it.Next(); {
			k, elem := it.Element()
			role := k.AsString()
			keyRng, valRng := attr.Expr.Range(), attr.Expr.Range()
			if r, ok := keyRanges[role]; ok {
				keyRng, valRng = r, valueRanges[role]
			}
			if p.Role(role) == nil {
				l.diags = append(l.diags, errorf(keyRng, "Unknown role",
					"Profile %q has no role %q.%s Its roles are: %s.", p.Name, role, lang.DidYouMean(role, p.RoleNames()), listOrNone(p.RoleNames())))
				return false
			}
			var valueExpr hcl.Expression = hcl.StaticExpr(elem, valRng)
			if obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr); ok {
				for _, item := range obj.Items {
					if item.ValueExpr.Range() == valRng {
						valueExpr = item.ValueExpr
					}
				}
			}
			if !l.machineList(valueExpr, ctx, func(m *Machine, rng hcl.Range) bool { return add(m, role, rng) }) {
				return false
			}
		}
	}
	if len(order) == 0 {
		l.diags = append(l.diags, errorf(attr.Expr.Range(), "Service without a machine",
			"Service %q lists no machine.", s.Name))
		return false
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Name < order[j].Name })
	for _, m := range order {
		r := roles[m]
		sort.Strings(r)
		s.Members = append(s.Members, &Member{Machine: m, Roles: r})
	}
	return true
}

// machineList reads a list of machines, calling add for each with the
// range of its element (the list's when it is not written out).
func (l *loader) machineList(expr hcl.Expression, ctx *hcl.EvalContext, add func(*Machine, hcl.Range) bool) bool {
	if tuple, ok := expr.(*hclsyntax.TupleConsExpr); ok {
		for _, e := range tuple.Exprs {
			m, ok := l.machineFrom(e, ctx)
			if !ok || !add(m, e.Range()) {
				return false
			}
		}
		return true
	}
	v, diags := expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return false
	}
	if v.IsNull() || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		l.diags = append(l.diags, errorf(expr.Range(), "Invalid machine list", "This is a list of machines, like [machine.nas1, machine.nas2]."))
		return false
	}
	for _, e := range v.AsValueSlice() {
		m, ok := l.machineFrom(hcl.StaticExpr(e, expr.Range()), ctx)
		if !ok || !add(m, expr.Range()) {
			return false
		}
	}
	return true
}

// machineFrom reads a reference to a machine: machine.web1, or a value
// holding a machine.
func (l *loader) machineFrom(expr hcl.Expression, ctx *hcl.EvalContext) (*Machine, bool) {
	v, diags := expr.Value(ctx)
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
	l.diags = append(l.diags, errorf(expr.Range(), "Invalid machine",
		"This refers to a machine block, like machine.web1."))
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

// serviceValue is service.<name> in expressions. machine is null for a
// service on several machines; machines lists them all either way.
func serviceValue(s *Service) cty.Value {
	machine := cty.NullVal(cty.String)
	if s.Machine != nil {
		machine = cty.StringVal(s.Machine.Name)
	}
	names := make([]cty.Value, len(s.Members))
	for i, mem := range s.Members {
		names[i] = cty.StringVal(mem.Machine.Name)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name":     cty.StringVal(s.Name),
		"profile":  cty.StringVal(s.Profile.Name),
		"machine":  machine,
		"machines": cty.ListVal(names),
		"with":     cty.ObjectVal(s.Params),
	})
}

// ReservedServiceName is the service name under which a machine's backup
// secrets (repository password, access keys) are kept.
const ReservedServiceName = "backup"
