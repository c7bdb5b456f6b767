package apply

import (
	"time"

	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
)

type nodeState int

const (
	nodeWaiting nodeState = iota
	nodeRunning
	nodeDone
	nodeFailed
	nodeSkipped
)

type readiness int

const (
	ready readiness = iota
	notYet
	blocked
)

// A node is a change and the changes it must wait for.
type node struct {
	change  *plan.Change
	deps    []*node
	state   nodeState
	started time.Time
}

// graph orders changes: a resource is made after the resources it refers
// to (After.Refs), and removed only after everything that referred to it
// (Before.Refs) has changed or gone. Providers need not report references
// of what they list, so removals also follow the provider's kind order in
// reverse (rank: a kind's position in Kinds(), referenced kinds first): a
// server goes before the firewall and volumes it used. A replacement is a
// removal followed by a creation, so it waits for both.
func graph(changes []*plan.Change, rank map[string]map[string]int) []*node {
	nodes := make([]*node, len(changes))
	byAddr := map[string]*node{}
	for i, c := range changes {
		nodes[i] = &node{change: c}
		byAddr[c.Provider+" "+c.Address] = nodes[i]
	}
	for _, n := range nodes {
		c := n.change
		if c.After != nil {
			for _, ref := range c.After.Refs {
				if dep := byAddr[c.Provider+" "+ref]; dep != nil && dep.change.Action != plan.Delete {
					n.deps = append(n.deps, dep)
				}
			}
		}
		if c.Action == plan.Delete || c.Action == plan.Replace {
			// Whatever referred to this resource changes first.
			for _, other := range nodes {
				if other == n || other.change.Provider != c.Provider || other.change.Before == nil || other.change.Action == plan.Create {
					continue
				}
				if refersTo(other.change.Before, c.Address) || removes(other.change) && rank[c.Provider][other.change.Before.Kind] > rank[c.Provider][c.Before.Kind] {
					n.deps = append(n.deps, other)
				}
			}
		}
	}
	return nodes
}

func (n *node) readiness() readiness {
	r := ready
	for _, d := range n.deps {
		switch d.state {
		case nodeFailed, nodeSkipped:
			return blocked
		case nodeDone:
		default:
			r = notYet
		}
	}
	if r == ready {
		n.started = time.Now()
	}
	return r
}

func refersTo(r *providers.Resource, address string) bool {
	for _, ref := range r.Refs {
		if ref == address {
			return true
		}
	}
	return false
}

// removes tells whether a change takes a resource away (and so frees what
// it used).
func removes(c *plan.Change) bool { return c.Action == plan.Delete || c.Action == plan.Replace }
