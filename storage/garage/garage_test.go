package garage

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	nodes := []Node{nas1, nas2, web1}
	if err := Check(nodes, 3); err != nil {
		t.Errorf("3 zones for 3 copies: %v", err)
	}
	noID := []Node{nas1, {Machine: "nas2", Zone: "hel1", CapacityGB: 1}, web1}
	if err := Check(noID, 3); err != nil {
		t.Errorf("a node without id yet: %v", err)
	}
	tests := []struct {
		name        string
		nodes       []Node
		replication int
		want        []string
	}{
		{"fewer zones than copies", []Node{nas1, {Machine: "nas9", Zone: "fsn1", CapacityGB: 1}, web1}, 3,
			[]string{"keeps 3 copies of every object, each in a different zone, but its nodes are in 2 zones: fsn1 (nas1, nas9); nbg1 (web1)",
				"add nodes in other locations", "declare the zones", "lower replication to 2"}},
		{"no nodes", nil, 1, []string{"but it has no nodes; add nodes in other locations"}},
		{"replication 0", nodes, 0, []string{"replication is 0", "at least 1"}},
		{"no capacity", []Node{nas1, {Machine: "nas2", ID: idNas2, Zone: "hel1"}, web1}, 3,
			[]string{"nas2 offers no storage (capacity 0 GB): a node's capacity comes from the disk it contributes"}},
		{"duplicate id", []Node{nas1, {Machine: "nas2", ID: idNas1, Zone: "hel1", CapacityGB: 1}, web1}, 3,
			[]string{"nas1 and nas2 have the same node id 4a5c2e8f1b3d6079", "/var/lib/garage/meta"}},
		{"duplicate short id", []Node{nas1, {Machine: "nas2", ID: idNas1[:16] + strings.Repeat("0", 48), Zone: "hel1", CapacityGB: 1}, web1}, 3,
			[]string{"nas1 and nas2 have node ids starting with the same 16 digits"}},
		{"bad id", []Node{{Machine: "nas1", ID: "4A5C", Zone: "fsn1", CapacityGB: 1}}, 1,
			[]string{`nas1: node id "4A5C" is not 64 lowercase hex digits`}},
		{"bad zone", []Node{{Machine: "nas1", Zone: "-z", CapacityGB: 1}}, 1, []string{`zone "-z" is not a valid zone name`}},
		{"several problems", []Node{{Machine: "a", Zone: "z"}, {Machine: "b", Zone: "z"}}, 2,
			[]string{"a offers no storage", "b offers no storage", "in 1 zone: z (a, b)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.nodes, tt.replication)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestParseNodeID(t *testing.T) {
	for _, out := range []string{idNas1 + "@10.77.0.2:3901\n", idNas1 + "@[fd00::2]:3901", idNas1 + "\n"} {
		if id, err := ParseNodeID(out); err != nil || id != idNas1 {
			t.Errorf("ParseNodeID(%q) = %q, %v", out, id, err)
		}
	}
	for out, want := range map[string]string{
		"":                             "printed nothing",
		idNas1 + "@":                   "address after @ is empty",
		idNas1[:63] + "@10.0.0.1:3901": "not 64 lowercase hex digits",
		strings.ToUpper(idNas1):        "not 64 lowercase hex digits",
		idNas1 + "\nWARNING: x":        "several lines",
	} {
		if _, err := ParseNodeID(out); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseNodeID(%q): %v, want an error containing %q", out, err, want)
		}
	}
}

// What Garage 2.0's `garage status` prints (cli/remote/cluster.rs): a node
// with a role, one without, one failed, and the drain notes.
const statusOut = `==== HEALTHY NODES ====
ID                Hostname  Address          Tags    Zone  Capacity  DataAvail             Version
4a5c2e8f1b3d6079  nas1      10.77.0.2:3901   [nas1]  fsn1  500.0 GB  412.3 GB (82.5%)      v2.3.0
d111111111111111  nas3      10.77.0.4:3901                 NO ROLE ASSIGNED                v2.3.0

==== FAILED NODES ====
ID                Hostname  Tags    Zone  Capacity  Last seen
8e1d0c2b3a4f5e6d  nas2      [nas2]  hel1  2.0 TB    2 hours ago

Your cluster is expecting to drain data from nodes that are currently unavailable.
If these nodes are definitely dead, please review the layout history with
` + "`garage layout history` and use `garage layout skip-dead-nodes` to force progress." + `

==== STAGED ROLE CHANGES ====
ID                Tags    Zone  Capacity
d111111111111111  [nas3]  hel1  300.0 GB

Please use ` + "`garage layout show`" + ` to check the proposed new layout and apply it.
`

func TestParseStatus(t *testing.T) {
	s, err := ParseStatus(statusOut)
	if err != nil {
		t.Fatal(err)
	}
	want := []StatusNode{
		{ID: "4a5c2e8f1b3d6079", Hostname: "nas1", Address: "10.77.0.2:3901", Up: true},
		{ID: "d111111111111111", Hostname: "nas3", Address: "10.77.0.4:3901", Up: true},
		{ID: "8e1d0c2b3a4f5e6d", Hostname: "nas2"},
	}
	if len(s.Nodes) != len(want) {
		t.Fatalf("nodes %+v", s.Nodes)
	}
	for i := range want {
		if s.Nodes[i] != want[i] {
			t.Errorf("node %d: %+v, want %+v", i, s.Nodes[i], want[i])
		}
	}
	if !s.Knows(idNas1) || !s.Knows(idNas2) || s.Knows(idWeb1) {
		t.Error("Knows")
	}
	for out, want := range map[string]string{
		"":                              "printed no",
		"Error: Internal error\n":       `line 1 "Error: Internal error"`,
		"==== HEALTHY NODES ====\nID\n": "table header",
		"==== HEALTHY NODES ====\nID  Hostname\nzz  h  a\n": "expected a node",
	} {
		if _, err := ParseStatus(out); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseStatus(%q): %v, want an error containing %q", out, err, want)
		}
	}
}
