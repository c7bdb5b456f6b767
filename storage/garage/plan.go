package garage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A Plan is what moves a cluster's layout to the declared one: the garage
// commands, in order, and what they mean for the plan output.
type Plan struct {
	// Reverted are staged changes found in the layout, which freecloud did
	// not make (or made in an apply that was interrupted): they are
	// reverted first, so that only the declared layout gets applied.
	Reverted []Change
	// RevertedZoneRedundancy is a staged zone redundancy reverted with them.
	RevertedZoneRedundancy string
	// ZoneRedundancy is the current zone redundancy when the plan sets it
	// back to "maximum" (Garage's default, which puts every copy in a
	// different zone when Check holds); "" when it is already.
	ZoneRedundancy string
	// Assign are the nodes given a role, new or changed.
	Assign []Assignment
	// Remove are the roles of nodes the service no longer has.
	Remove []Role
	// Kept are the roles of no declared node while some nodes are Waiting:
	// one of them may be a waiting node, so none is removed until every
	// node's id is known.
	Kept []Role
	// Waiting are the declared nodes without an id yet: they join the
	// layout on a later apply.
	Waiting []Node
	// Version is the layout version the plan applies, 0 when it applies
	// none (nothing to change).
	Version int64
	// Commands are the commands to run on one node, in order.
	Commands [][]string
}

// An Assignment is a node given a role.
type Assignment struct {
	Node Node
	// Was is the node's role before, nil for a node new to the layout.
	Was *Role
}

// Changes works out the plan that moves the current layout to the desired
// nodes: assign the nodes whose role is missing or differs (zone, capacity
// or tag), remove the roles of nodes no longer declared, and apply as the
// next version. A layout that already matches gives an empty plan, so that
// a second apply does nothing. Nodes without an id are left out and
// listed in Waiting. Changes trusts that Check passed for desired; the
// layout the plan makes is checked by Plan.Check.
func Changes(current Layout, desired []Node) Plan {
	var p Plan
	if len(current.Staged) > 0 || current.StagedZoneRedundancy != "" {
		p.Reverted = current.Staged
		p.RevertedZoneRedundancy = current.StagedZoneRedundancy
		p.Commands = append(p.Commands, []string{"garage", "layout", "revert", "--yes"})
	}
	nodes := append([]Node(nil), desired...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Machine < nodes[j].Machine })
	matched := make([]bool, len(current.Roles))
	for _, n := range nodes {
		if n.ID == "" {
			p.Waiting = append(p.Waiting, n)
			continue
		}
		var was *Role
		for i, r := range current.Roles {
			if r.ID != "" && strings.HasPrefix(n.ID, r.ID) {
				matched[i] = true
				was = &current.Roles[i]
				break
			}
		}
		if was != nil && !was.Gateway() && was.Zone == n.Zone && was.CapacityMatches(n.CapacityGB) &&
			len(was.Tags) == 1 && was.Tags[0] == n.Machine {
			continue
		}
		p.Assign = append(p.Assign, Assignment{Node: n, Was: was})
	}
	for i, r := range current.Roles {
		if matched[i] {
			continue
		}
		if len(p.Waiting) > 0 {
			p.Kept = append(p.Kept, r)
		} else {
			p.Remove = append(p.Remove, r)
		}
	}
	for _, r := range p.Remove {
		p.Commands = append(p.Commands, []string{"garage", "layout", "remove", r.ID})
	}
	for _, a := range p.Assign {
		p.Commands = append(p.Commands, assignCommand(a.Node))
	}
	if current.ZoneRedundancy != "" && current.ZoneRedundancy != "maximum" {
		p.ZoneRedundancy = current.ZoneRedundancy
		p.Commands = append(p.Commands, []string{"garage", "layout", "config", "-r", "maximum"})
	}
	if len(p.Remove)+len(p.Assign) > 0 || p.ZoneRedundancy != "" {
		p.Version = current.Version + 1
		p.Commands = append(p.Commands, []string{"garage", "layout", "apply", "--version", strconv.FormatInt(p.Version, 10)})
	}
	return p
}

// assignCommand gives a node its role. The id comes first: -t takes every
// value up to the next flag (see the package comment).
func assignCommand(n Node) []string {
	return []string{"garage", "layout", "assign", n.ID, "-z", n.Zone, "-c", capacityArg(n.CapacityGB), "-t", n.Machine}
}

// capacityArg is a capacity as -c reads it: G is 10^9 bytes.
func capacityArg(gb int64) string { return strconv.FormatInt(gb, 10) + "G" }

// Empty tells whether the plan runs nothing.
func (p Plan) Empty() bool { return len(p.Commands) == 0 }

// Check refuses a plan whose layout Garage would run unsafely: it checks
// the nodes the layout will hold, which are the declared nodes that have
// an id, as Check does. A plan that applies nothing passes.
func (p Plan) Check(nodes []Node, replication int) error {
	if p.Version == 0 {
		return nil
	}
	var members []Node
	for _, n := range nodes {
		if n.ID != "" {
			members = append(members, n)
		}
	}
	err := Check(members, replication)
	if err == nil || len(p.Waiting) == 0 {
		return err
	}
	return fmt.Errorf("without %s, which %s no Garage node id yet: %w", machines(p.Waiting), plural(len(p.Waiting), "has", "have"), err)
}

// Describe says what the plan does, a line a step, for plan output.
func (p Plan) Describe() []string {
	var lines []string
	if len(p.Reverted) > 0 || p.RevertedZoneRedundancy != "" {
		var what []string
		for _, c := range p.Reverted {
			if c.Remove {
				what = append(what, "remove "+c.ID)
			} else {
				what = append(what, fmt.Sprintf("assign %s zone %s capacity %s", c.ID, c.Role.Zone, c.Role.Capacity))
			}
		}
		if p.RevertedZoneRedundancy != "" {
			what = append(what, "zone redundancy "+p.RevertedZoneRedundancy)
		}
		lines = append(lines, "revert staged layout changes freecloud did not make: "+strings.Join(what, "; "))
	}
	for _, r := range p.Remove {
		lines = append(lines, "remove "+roleName(r))
	}
	for _, a := range p.Assign {
		line := fmt.Sprintf("assign %s zone %s capacity %s", a.Node.Machine, a.Node.Zone, capacityArg(a.Node.CapacityGB))
		if a.Was != nil {
			line += fmt.Sprintf(" (was zone %s capacity %s tags %s)", a.Was.Zone, a.Was.Capacity, strings.Join(a.Was.Tags, ","))
		}
		lines = append(lines, line)
	}
	if p.ZoneRedundancy != "" {
		lines = append(lines, fmt.Sprintf("set zone redundancy to maximum (was %s)", p.ZoneRedundancy))
	}
	if p.Version > 0 {
		lines = append(lines, fmt.Sprintf("apply layout version %d", p.Version))
	}
	for _, n := range p.Waiting {
		lines = append(lines, fmt.Sprintf("wait for %s: no Garage node id yet; it joins the layout on a later apply", n.Machine))
	}
	for _, r := range p.Kept {
		lines = append(lines, fmt.Sprintf("keep %s until %s %s a node id", roleName(r), machines(p.Waiting), plural(len(p.Waiting), "has", "have")))
	}
	return lines
}

// String is Describe's lines, one a line.
func (p Plan) String() string { return strings.Join(p.Describe(), "\n") }

// Script is the plan as one POSIX sh script, what apply runs on a node:
// every argument single-quoted, and the first failing command stops it,
// before `layout apply`, so that a half-staged layout is never applied (the
// next apply reverts it). An empty plan has an empty script.
func (p Plan) Script() string {
	if p.Empty() {
		return ""
	}
	var b strings.Builder
	b.WriteString("set -eu\n")
	for _, cmd := range p.Commands {
		for i, arg := range cmd {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(quote(arg))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// roleName names a role by the machine freecloud tagged it with, and by id.
func roleName(r Role) string {
	if len(r.Tags) > 0 {
		return fmt.Sprintf("%s (node %s)", strings.Join(r.Tags, ","), r.ID)
	}
	return "node " + r.ID
}

func machines(nodes []Node) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Machine
	}
	return strings.Join(names, ", ")
}
