package config

import (
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A node is one named object whose value other expressions may refer to:
// local.x, provider.<type>.<name>, machine.x or service.x. Nodes are
// evaluated in dependency order, so declaration order across files never
// matters.
type node struct {
	addr  string
	kind  string
	name  string // the last part of addr
	typ   string // providers only: the middle part of addr
	rng   hcl.Range
	exprs []hcl.Expression
	// eval computes the node's value in a context holding exactly the
	// values it refers to; it reports its own diagnostics.
	eval func(ctx *hcl.EvalContext) (cty.Value, bool)

	deps   []string
	value  cty.Value
	failed bool
}

// referenceRoots are the names expressions may start with.
var referenceRoots = []string{"var", "local", "machine", "service", "provider"}

func (l *loader) addNode(n *node) {
	if l.declare(n.addr, n.kind, n.rng) {
		l.nodes[n.addr] = n
	}
}

// reject reports a block that cannot be used and still declares it, as a
// failed node, so that what refers to it is skipped rather than told the
// name is undeclared.
func (l *loader) reject(kind string, b *hcl.Block, d *hcl.Diagnostic) {
	l.diags = append(l.diags, d)
	name := b.Labels[len(b.Labels)-1]
	addr := kind + "." + strings.Join(b.Labels, ".")
	typ := ""
	if len(b.Labels) == 2 {
		typ = b.Labels[0]
	}
	l.addNode(&node{addr: addr, kind: kind, name: name, typ: typ, rng: b.DefRange, failed: true})
}

// addBlockNode registers a block (a machine, a service) as a node that
// depends on everything its attributes refer to; decode turns the evaluated
// attributes into the model and the node's value.
func (l *loader) addBlockNode(kind string, b *hcl.Block, schema *hcl.BodySchema, decode func(hcl.Attributes, *hcl.EvalContext) (cty.Value, bool)) {
	content, diags := b.Body.Content(schema)
	name := b.Labels[0]
	if diags.HasErrors() {
		l.diags = append(l.diags, diags[:len(diags)-1]...)
		l.reject(kind, b, diags[len(diags)-1])
		return
	}
	l.diags = append(l.diags, diags...)
	attrs := sortedAttrs(content.Attributes)
	exprs := make([]hcl.Expression, len(attrs))
	for i, a := range attrs {
		exprs[i] = a.Expr
	}
	l.addNode(&node{
		addr: kind + "." + name, kind: kind, name: name, rng: b.DefRange, exprs: exprs,
		eval: func(ctx *hcl.EvalContext) (cty.Value, bool) { return decode(content.Attributes, ctx) },
	})
}

// evaluate resolves references, orders the nodes and evaluates them.
func (l *loader) evaluate() {
	addrs := make([]string, 0, len(l.nodes))
	for addr := range l.nodes {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		n := l.nodes[addr]
		before := len(l.diags)
		for _, expr := range n.exprs {
			n.deps = append(n.deps, l.references(expr)...)
		}
		sort.Strings(n.deps)
		// A node with a broken reference is not evaluated, but the others
		// are, so that every independent problem is reported in one run.
		n.failed = n.failed || l.diags[before:].HasErrors()
	}
	varObject := l.varObject()
	for _, n := range l.order(addrs) {
		ctx := l.contextFor(n.deps, varObject)
		if ctx == nil {
			n.failed = true
			continue
		}
		value, ok := n.eval(ctx)
		n.value, n.failed = value, !ok
	}
}

// references returns the nodes an expression refers to and reports
// references to things that do not exist.
func (l *loader) references(expr hcl.Expression) []string {
	var deps []string
	for _, t := range expr.Variables() {
		root := t.RootName()
		steps := make([]string, 0, 2)
		for _, step := range t[1:] {
			name := attrName(step)
			if name == "" || len(steps) == 2 {
				break
			}
			steps = append(steps, name)
		}
		switch root {
		case "var":
			if len(steps) == 0 {
				l.badReference(t, "Refer to a variable by name, like var.domain.")
			} else if _, ok := l.nodes["var."+steps[0]]; !ok {
				l.badReference(t, "No variable %q is declared.%s", steps[0], lang.DidYouMean(steps[0], l.varNames()))
			} else {
				deps = append(deps, "var."+steps[0])
			}
		case "local", "machine", "service":
			if len(steps) == 0 {
				l.badReference(t, "Refer to a %s by name, like %s.%s.", root, root, map[string]string{"local": "x", "machine": "web1", "service": "cloud"}[root])
				continue
			}
			addr := root + "." + steps[0]
			if _, ok := l.nodes[addr]; !ok {
				l.badReference(t, "No %s %q is declared.%s", root, steps[0], lang.DidYouMean(steps[0], l.namesOf(root)))
				continue
			}
			deps = append(deps, addr)
		case "provider":
			if len(steps) < 2 {
				l.badReference(t, "Refer to a provider by type and name, like provider.hetzner.eu.")
				continue
			}
			addr := "provider." + steps[0] + "." + steps[1]
			if _, ok := l.nodes[addr]; !ok {
				l.badReference(t, "No provider %q is declared.%s", steps[0]+"."+steps[1],
					lang.DidYouMean(steps[0]+"."+steps[1], l.namesOf("provider")))
				continue
			}
			deps = append(deps, addr)
		default:
			l.badReference(t, "There is no %q here; references start with var., local., machine., service. or provider.%s",
				root, lang.DidYouMean(root, referenceRoots))
		}
	}
	return deps
}

func (l *loader) badReference(t hcl.Traversal, format string, args ...any) {
	l.diags = append(l.diags, errorf(t.SourceRange(), "Reference to an undeclared name", format, args...))
}

// namesOf lists the declared names of one kind, for suggestions.
func (l *loader) namesOf(kind string) []string {
	var names []string
	for addr, n := range l.nodes {
		if n.kind == kind {
			names = append(names, strings.TrimPrefix(addr, kind+"."))
		}
	}
	return names
}

// order sorts the nodes so that every node comes after what it refers to,
// reporting each cycle once with its members named in order.
func (l *loader) order(addrs []string) []*node {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var sorted []*node
	var stack []string
	var visit func(addr string)
	visit = func(addr string) {
		switch state[addr] {
		case done:
			return
		case visiting:
			start := 0
			for i, a := range stack {
				if a == addr {
					start = i
				}
			}
			cycle := append(append([]string(nil), stack[start:]...), addr)
			n := l.nodes[addr]
			l.diags = append(l.diags, errorf(n.rng, "Cycle in references",
				"%s refer to each other in a loop: %s. Each value must be computable from the ones before it; break the loop.",
				strings.Join(cycle[:len(cycle)-1], ", "), strings.Join(cycle, " → ")))
			for _, a := range cycle {
				l.nodes[a].failed = true
			}
			return
		}
		state[addr] = visiting
		stack = append(stack, addr)
		for _, dep := range l.nodes[addr].deps {
			visit(dep)
		}
		stack = stack[:len(stack)-1]
		state[addr] = done
		sorted = append(sorted, l.nodes[addr])
	}
	for _, addr := range addrs {
		visit(addr)
	}
	var ready []*node
	for _, n := range sorted {
		if !n.failed {
			ready = append(ready, n)
		}
	}
	return ready
}

// contextForExpr resolves what a standalone expression (an output, the
// sovereignty policy) refers to and builds its context; nil when a
// reference is broken (already reported) or refers to a failed node.
func (l *loader) contextForExpr(expr hcl.Expression) *hcl.EvalContext {
	before := len(l.diags)
	deps := l.references(expr)
	if l.diags[before:].HasErrors() {
		return nil
	}
	return l.contextFor(deps, l.varObject())
}

// contextFor builds the evaluation context of an expression that refers to
// deps: only those values are put in it, which keeps evaluation linear in
// the size of the deployment. It returns nil when a dependency failed, so
// that one error is not reported again by everything that uses it.
func (l *loader) contextFor(deps []string, varObject cty.Value) *hcl.EvalContext {
	objects := map[string]map[string]cty.Value{"local": {}, "machine": {}, "service": {}}
	providers := map[string]map[string]cty.Value{}
	for _, addr := range deps {
		n := l.nodes[addr]
		if n.failed || n.value == cty.NilVal {
			return nil
		}
		if n.kind == "var" {
			continue // in varObject already
		}
		if n.kind == "provider" {
			if providers[n.typ] == nil {
				providers[n.typ] = map[string]cty.Value{}
			}
			providers[n.typ][n.name] = n.value
			continue
		}
		objects[n.kind][n.name] = n.value
	}
	vars := map[string]cty.Value{"var": varObject}
	for kind, values := range objects {
		vars[kind] = cty.ObjectVal(values)
	}
	byType := map[string]cty.Value{}
	for typ, values := range providers {
		byType[typ] = cty.ObjectVal(values)
	}
	vars["provider"] = cty.ObjectVal(byType)
	return &hcl.EvalContext{Variables: vars, Functions: l.funcs}
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
