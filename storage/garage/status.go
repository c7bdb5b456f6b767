package garage

import (
	"fmt"
	"strings"
)

// Status is what `garage status` tells of the nodes the cluster knows.
type Status struct {
	Nodes []StatusNode
}

// A StatusNode is one node `garage status` lists.
type StatusNode struct {
	// ID is the node id as printed: its first 16 hex digits.
	ID       string
	Hostname string
	// Address is where the node is reached, "" for a failed node (Garage
	// prints none for those).
	Address string
	// Up is false for the nodes listed as failed.
	Up bool
}

// Knows tells whether the cluster knows the node with the full id: only
// such a node can be given a role (`garage layout assign` answers "0 nodes
// match" for another). A node is known once it has connected to the
// cluster, so a node deployed a moment ago may not be yet: apply should
// leave such a node out of the plan (its ID "") so that it joins the
// layout on a later apply.
func (s Status) Knows(id string) bool {
	for _, n := range s.Nodes {
		if n.ID != "" && strings.HasPrefix(id, n.ID) {
			return true
		}
	}
	return false
}

// drainNotes are what Garage prints after the failed nodes when some of
// them hold data to move away.
var drainNotes = map[string]bool{
	"Your cluster is expecting to drain data from nodes that are currently unavailable.": true,
	"If these nodes are definitely dead, please review the layout history with":          true,
	"`garage layout history` and use `garage layout skip-dead-nodes` to force progress.": true,
}

const (
	bannerHealthy = "==== HEALTHY NODES ===="
	bannerFailed  = "==== FAILED NODES ===="
)

// ParseStatus reads the node tables of `garage status` (healthy nodes,
// then failed ones); the staged changes it may print after them are read
// by ParseLayout from `garage layout show` instead. Rows are read by their
// first columns (id, hostname, address), which never are empty, so the
// columns after them may change without harm.
func ParseStatus(out string) (Status, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var s Status
	section := ""
	header := false
	for i, line := range lines {
		errorf := func(format string, args ...any) error {
			return fmt.Errorf("garage status, line %d %q: %s", i+1, line, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.TrimSpace(line) == "" || drainNotes[line]:
			continue
		case line == bannerHealthy || line == bannerFailed:
			if (line == bannerHealthy) != (section == "") {
				return Status{}, errorf("unexpected here")
			}
			section, header = line, true
			continue
		case line == bannerStaged:
			if section == "" {
				return Status{}, errorf("expected %q first", bannerHealthy)
			}
			return s, nil
		case section == "":
			return Status{}, errorf("expected %q first", bannerHealthy)
		case header:
			if f := strings.Fields(line); len(f) < 2 || f[0] != "ID" || f[1] != "Hostname" {
				return Status{}, errorf("expected the table header \"ID  Hostname  …\"")
			}
			header = false
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || !shortIDRe.MatchString(f[0]) {
			return Status{}, errorf("expected a node: its id, hostname, address…")
		}
		n := StatusNode{ID: f[0], Hostname: f[1], Up: section == bannerHealthy}
		if n.Up {
			if len(f) < 3 {
				return Status{}, errorf("the healthy node has no address")
			}
			n.Address = f[2]
		}
		s.Nodes = append(s.Nodes, n)
	}
	if section == "" {
		return Status{}, fmt.Errorf("garage status printed no %q", bannerHealthy)
	}
	return s, nil
}
