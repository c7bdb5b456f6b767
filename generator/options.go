package generator

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/nix"
)

// optionTree merges the NixOS option trees of all services on a machine
// into one, the way the NixOS module system would for these cases:
// attribute sets merge key by key, lists concatenate, and a scalar may be
// set twice only to the same value. Doing it here, rather than leaving it to
// an evaluation on the host, turns a clash between two profiles into a
// diagnostic at generate time that names both services.
type optionTree struct {
	attrs  map[string]*optionTree // set for attribute sets (possibly empty)
	list   nix.List
	isList bool
	leaf   nix.Expr
	owner  string // who set this node first, for conflict messages
}

// A conflict is two services setting one option to different values.
type conflict struct {
	path         []string
	first, other string
	detail       string
}

func (c *conflict) Error() string {
	return fmt.Sprintf("%s is set by %s and, differently, by %s%s", strings.Join(c.path, "."), c.first, c.other, c.detail)
}

func newOptionTree() *optionTree { return &optionTree{attrs: map[string]*optionTree{}} }

func (t *optionTree) empty() bool {
	return t.attrs == nil && !t.isList && t.leaf == nil
}

// set merges value into the tree at rel, on behalf of owner; abs is where
// t itself sits, for messages.
func (t *optionTree) set(abs, rel []string, value nix.Expr, owner string) error {
	node := t
	for i, key := range rel {
		if node.empty() {
			node.attrs, node.owner = map[string]*optionTree{}, owner
		}
		if node.attrs == nil {
			return &conflict{path: join(abs, rel[:i]), first: node.owner, other: owner, detail: ": one sets a value, the other an attribute set"}
		}
		child, ok := node.attrs[key]
		if !ok {
			child = &optionTree{}
			node.attrs[key] = child
		}
		node = child
	}
	return node.merge(join(abs, rel), value, owner)
}

func join(a, b []string) []string {
	return append(append(make([]string, 0, len(a)+len(b)), a...), b...)
}

func (t *optionTree) merge(path []string, value nix.Expr, owner string) error {
	switch v := value.(type) {
	case nix.Attrs:
		if t.empty() {
			t.attrs, t.owner = map[string]*optionTree{}, owner
		}
		if t.attrs == nil {
			return &conflict{path: path, first: t.owner, other: owner, detail: ": one sets a value, the other an attribute set"}
		}
		for _, b := range v {
			if err := t.set(path, b.Path, b.Value, owner); err != nil {
				return err
			}
		}
		return nil
	case nix.List:
		if t.empty() {
			t.isList, t.owner = true, owner
		}
		if !t.isList {
			return &conflict{path: path, first: t.owner, other: owner, detail: ": one sets a list, the other something else"}
		}
		t.list = append(t.list, v...)
		return nil
	default:
		if t.empty() {
			t.leaf, t.owner = value, owner
			return nil
		}
		if t.leaf == nil || !reflect.DeepEqual(t.leaf, value) {
			return &conflict{path: path, first: t.owner, other: owner}
		}
		return nil
	}
}

// expr turns the tree back into Nix.
func (t *optionTree) expr() nix.Expr {
	switch {
	case t.attrs != nil:
		keys := make([]string, 0, len(t.attrs))
		for k := range t.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrs := make(nix.Attrs, 0, len(keys))
		for _, k := range keys {
			attrs = append(attrs, nix.Binding{Path: []string{k}, Value: t.attrs[k].expr()})
		}
		return attrs
	case t.isList:
		return t.list
	default:
		return t.leaf
	}
}

// moduleBindings returns the tree as the top-level bindings of a NixOS
// module, two levels deep (services.nextcloud = { ... };), which is how
// people write NixOS configurations by hand.
func (t *optionTree) moduleBindings() nix.Attrs {
	var out nix.Attrs
	for _, top := range sortedKeys(t.attrs) {
		child := t.attrs[top]
		if child.attrs == nil || len(child.attrs) == 0 {
			out = append(out, nix.Binding{Path: []string{top}, Value: child.expr()})
			continue
		}
		for _, second := range sortedKeys(child.attrs) {
			out = append(out, nix.Binding{Path: []string{top, second}, Value: child.attrs[second].expr()})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
