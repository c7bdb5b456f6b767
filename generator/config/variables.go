package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Sensitive marks values of sensitive variables. A marked value may be used
// in locals and outputs but never reaches a machine, a service or the
// generated Nix, which is world-readable in the Nix store.
const Sensitive = sensitiveMark("sensitive")

type sensitiveMark string

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

// declaredVariable is a variable block while its value is being resolved.
type declaredVariable struct {
	*Variable
	def         cty.Value
	defaults    *typeexpr.Defaults
	validations []*hcl.Block
	value       cty.Value
	valueRange  hcl.Range
}

func (l *loader) declareVariable(b *hcl.Block) {
	name := b.Labels[0]
	if !l.declare("var."+name, "variable", b.DefRange) {
		return
	}
	if !hclsyntax.ValidIdentifier(name) {
		l.diags = append(l.diags, errorf(b.LabelRanges[0], "Invalid variable name",
			"%q: variable names are identifiers (letters, digits, underscores and dashes, not starting with a digit).", name))
		return
	}
	content, diags := b.Body.Content(variableSchema)
	l.diags = append(l.diags, diags...)
	v := &declaredVariable{
		Variable:    &Variable{Name: name, Type: cty.DynamicPseudoType, DeclRange: b.DefRange},
		validations: content.Blocks.OfType("validation"),
	}
	if attr := content.Attributes["type"]; attr != nil {
		ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.Type, v.defaults = ty, defaults
		}
	}
	if attr := content.Attributes["description"]; attr != nil {
		if d, ok := l.evalAs(attr, nil, cty.String); ok && !d.IsNull() {
			v.Description = d.AsString()
		}
	}
	if attr := content.Attributes["sensitive"]; attr != nil {
		if s, ok := l.evalAs(attr, nil, cty.Bool); ok && !s.IsNull() {
			v.Sensitive = s.True()
		}
	}
	if attr := content.Attributes["default"]; attr != nil {
		def, diags := attr.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.def, v.valueRange = def, attr.Expr.Range()
		}
	}
	l.dep.Variables = append(l.dep.Variables, v.Variable)
	l.varDecls = append(l.varDecls, v)
}

// resolveVariables gives every variable its value. Precedence, lowest
// first, as in Terraform: default, FREECLOUD_VAR_<name>, *.auto.fcvars
// files in name order, then -var and -var-file in command-line order.
func (l *loader) resolveVariables() {
	byName := map[string]*declaredVariable{}
	for _, v := range l.varDecls {
		byName[v.Name] = v
		v.value = v.def
	}
	set := func(name string, value cty.Value, rng hcl.Range, strict bool) {
		v, ok := byName[name]
		if !ok {
			if strict {
				l.diags = append(l.diags, errorf(rng, "Value for undeclared variable",
					"No variable %q is declared.%s Declare it with a variable block, or remove the assignment.", name, lang.DidYouMean(name, l.varNames())))
			}
			return
		}
		v.value, v.valueRange = value, rng
	}
	const envPrefix = "FREECLOUD_VAR_"
	for _, kv := range sortedEnv(l.opts.Environ) {
		name, raw, _ := strings.Cut(strings.TrimPrefix(kv, envPrefix), "=")
		if !strings.HasPrefix(kv, envPrefix) {
			continue
		}
		if v, ok := byName[name]; ok {
			rng := hcl.Range{Filename: "environment variable " + envPrefix + name}
			if value, ok := l.parseRawValue(v, raw, rng); ok {
				set(name, value, rng, false)
			}
		}
	}
	for _, file := range l.autoVarFiles() {
		l.readVarFile(file, set, false)
	}
	for _, arg := range l.opts.VarArgs {
		if arg.File != "" {
			l.readVarFile(arg.File, set, true)
			continue
		}
		name, raw, ok := strings.Cut(arg.Assignment, "=")
		rng := hcl.Range{Filename: "-var " + arg.Assignment}
		if !ok || name == "" {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option",
				Detail: fmt.Sprintf("-var %q: write -var name=value.", arg.Assignment)})
			continue
		}
		v, declared := byName[name]
		if !declared {
			set(name, cty.NilVal, rng, true)
			continue
		}
		if value, ok := l.parseRawValue(v, raw, rng); ok {
			set(name, value, rng, true)
		}
	}
	for _, v := range l.varDecls {
		before := len(l.diags)
		l.finishVariable(v)
		// A node so that whatever uses a broken variable is skipped
		// instead of failing again on its placeholder value.
		value, ok := v.Value, !l.diags[before:].HasErrors()
		l.nodes["var."+v.Name] = &node{
			addr: "var." + v.Name, kind: "var", name: v.Name, rng: v.DeclRange, failed: !ok,
			eval: func(*hcl.EvalContext) (cty.Value, bool) { return value, ok },
		}
	}
}

// parseRawValue reads a value given as text (environment, -var): taken
// literally for string variables, parsed as an HCL expression otherwise.
func (l *loader) parseRawValue(v *declaredVariable, raw string, rng hcl.Range) (cty.Value, bool) {
	if v.Type.Equals(cty.String) || v.Type == cty.DynamicPseudoType {
		return cty.StringVal(raw), true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), rng.Filename, hcl.InitialPos)
	if !diags.HasErrors() {
		var value cty.Value
		value, diags = expr.Value(nil)
		if !diags.HasErrors() {
			return value, true
		}
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for variable",
		Detail: fmt.Sprintf("%s: var.%s is %s, and this value is not a valid expression for it: %s",
			rng.Filename, v.Name, typeexpr.TypeString(v.Type), diags.Error()),
	})
	return cty.NilVal, false
}

func (l *loader) autoVarFiles() []string {
	matches, _ := filepath.Glob(filepath.Join(l.dir, "*"+AutoVarsSuffix))
	sort.Strings(matches)
	for i, m := range matches {
		matches[i] = filepath.Base(m)
	}
	return matches
}

// readVarFile reads name = value assignments from a variables file. Files
// named on the command line may only set declared variables; auto-loaded
// files are shared and may hold more.
func (l *loader) readVarFile(name string, set func(string, cty.Value, hcl.Range, bool), strict bool) {
	path := name
	if !strict {
		path = filepath.Join(l.dir, name)
		name = displayPath(l.dir, name)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file",
			Detail: fmt.Sprintf("%s. Check the -var-file path; it is relative to the current directory.", err)})
		return
	}
	file, diags := l.parser.ParseHCL(src, name)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	attrs, diags := file.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, attr := range sortedAttrs(attrs) {
		value, diags := attr.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			set(attr.Name, value, attr.Expr.Range(), strict)
		}
	}
}

// finishVariable converts the chosen value to the declared type, checks the
// validation rules and records the result.
func (l *loader) finishVariable(v *declaredVariable) {
	if v.value == cty.NilVal {
		l.diags = append(l.diags, errorf(v.DeclRange, "No value for required variable",
			"var.%s has no default and no value was given. Set it with -var %s=..., a *%s file, or the environment variable FREECLOUD_VAR_%s.",
			v.Name, v.Name, AutoVarsSuffix, v.Name))
		v.Value = cty.UnknownVal(v.Type)
		return
	}
	value := v.value
	if v.defaults != nil {
		value = v.defaults.Apply(value)
	}
	converted, err := convert.Convert(value, v.Type)
	if err != nil {
		l.diags = append(l.diags, errorf(v.valueRange, "Invalid value for variable",
			"var.%s must be %s: %s.", v.Name, typeexpr.TypeString(v.Type), err))
		v.Value = cty.UnknownVal(v.Type)
		return
	}
	for _, b := range v.validations {
		l.checkValidation(v, converted, b)
	}
	if v.Sensitive {
		converted = converted.Mark(Sensitive)
	}
	v.Value = converted
}

func (l *loader) checkValidation(v *declaredVariable, value cty.Value, b *hcl.Block) {
	content, diags := b.Body.Content(validationSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	cond := content.Attributes["condition"]
	for _, t := range cond.Expr.Variables() {
		if t.RootName() != "var" || len(t) < 2 || attrName(t[1]) != v.Name {
			l.diags = append(l.diags, errorf(t.SourceRange(), "Invalid validation condition",
				"A validation condition may only refer to the variable itself, var.%s.", v.Name))
			return
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.Name: value})},
		Functions: l.funcs,
	}
	result, diags := cond.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	result, err := convert.Convert(result, cty.Bool)
	if err != nil || result.IsNull() {
		l.diags = append(l.diags, errorf(cond.Expr.Range(), "Invalid validation condition", "The condition must be true or false."))
		return
	}
	if result.True() {
		return
	}
	message := "The value is not valid."
	if m, ok := l.evalAs(content.Attributes["error_message"], nil, cty.String); ok && !m.IsNull() {
		message = m.AsString()
	}
	rng := v.valueRange
	if rng.Filename == "" {
		rng = v.DeclRange
	}
	l.diags = append(l.diags, errorf(rng, "Invalid value for variable",
		"%s\n\nThis was checked by the validation rule at %s.", message, at(cond.Expr.Range())))
}

func (l *loader) varNames() []string {
	names := make([]string, len(l.varDecls))
	for i, v := range l.varDecls {
		names[i] = v.Name
	}
	return names
}

// varObject is the value of `var` in expressions.
func (l *loader) varObject() cty.Value {
	attrs := map[string]cty.Value{}
	for _, v := range l.varDecls {
		attrs[v.Name] = v.Value
	}
	return cty.ObjectVal(attrs)
}

func sortedEnv(environ []string) []string {
	env := append([]string(nil), environ...)
	sort.Strings(env)
	return env
}

func attrName(t hcl.Traverser) string {
	switch t := t.(type) {
	case hcl.TraverseAttr:
		return t.Name
	case hcl.TraverseIndex:
		if t.Key.Type() == cty.String {
			return t.Key.AsString()
		}
	}
	return ""
}

// at formats a range as file:line for use inside a message.
func at(rng hcl.Range) string {
	return fmt.Sprintf("%s:%d", rng.Filename, rng.Start.Line)
}
