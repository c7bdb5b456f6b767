package apply

import (
	"time"

	"github.com/freecloud/freecloud/plan"
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
// (Before.Refs) has changed or gone. A replacement is a removal followed
// by a creation, so it waits for both.
func graph(changes []*plan.Change) []*node {
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
				if other == n || other.change.Provider != c.Provider || other.change.Before == nil {
					continue
				}
				for _, ref := range other.change.Before.Refs {
					if ref == c.Address && other.change.Action != plan.Create {
						n.deps = append(n.deps, other)
					}
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
