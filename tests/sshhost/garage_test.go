package sshhost_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/storage/garage"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// fails runs cmd, which must fail with stderr containing want.
func fails(t *testing.T, c *sshx.Conn, cmd, want string) {
	t.Helper()
	r, err := c.Run(context.Background(), "test", cmd)
	if !errors.Is(err, sshx.ErrExit) || !strings.Contains(string(r.Stderr), want) {
		t.Errorf("%s: %v, stderr %q; want a failure saying %q", cmd, err, r.Stderr, want)
	}
}

func showLayout(t *testing.T, c *sshx.Conn) garage.Layout {
	t.Helper()
	out := run(t, c, "garage layout show")
	l, err := garage.ParseLayout(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return l
}

// Three stand-in hosts form one fake Garage cluster: package garage reads
// what the fake prints, and the plans it makes take the cluster to the
// declared layout, then change nothing.
func TestFakeGarage(t *testing.T) {
	t.Parallel()
	cluster := sshhost.NewGarageCluster(t, 3)
	machines := []string{"nas1", "nas2", "web1"}
	zones := []string{"fsn1", "hel1", "nbg1"}
	var conns []*sshx.Conn
	var nodes []garage.Node
	for i, m := range machines {
		h := sshhost.Start(t)
		cluster.Join(h, m, fmt.Sprintf("10.77.0.%d:3901", i+2))
		c := connect(t, h)
		id, err := garage.ParseNodeID(run(t, c, "garage node id -q"))
		if err != nil {
			t.Fatal(err)
		}
		if id != h.GarageNodeID() {
			t.Errorf("%s: node id %s, key file %s", m, id, h.GarageNodeID())
		}
		conns = append(conns, c)
		nodes = append(nodes, garage.Node{Machine: m, ID: id, Zone: zones[i], CapacityGB: int64(500 * (i + 1))})
	}
	c := conns[0]

	status, err := garage.ParseStatus(run(t, c, "garage status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if !status.Knows(n.ID) {
			t.Errorf("status does not know %s: %+v", n.Machine, status)
		}
	}
	if l := showLayout(t, c); l.Version != 0 || len(l.Roles) != 0 || len(l.Staged) != 0 {
		t.Fatalf("a new cluster's layout: %+v", l)
	}

	// The first layout, applied from one node, is the others' too; a
	// second plan is empty.
	if err := garage.Check(nodes, 3); err != nil {
		t.Fatal(err)
	}
	p := garage.Changes(showLayout(t, c), nodes)
	if p.Version != 1 || len(p.Assign) != 3 {
		t.Fatalf("first plan:\n%s", p)
	}
	run(t, c, p.Script())
	l := showLayout(t, conns[2])
	if l.Version != 1 || len(l.Roles) != 3 || len(l.Staged) != 0 {
		t.Fatalf("after the first apply: %+v", l)
	}
	for _, n := range nodes {
		found := false
		for _, r := range l.Roles {
			found = found || strings.HasPrefix(n.ID, r.ID) && r.Zone == n.Zone && r.CapacityMatches(n.CapacityGB) &&
				len(r.Tags) == 1 && r.Tags[0] == n.Machine
		}
		if !found {
			t.Errorf("no role for %+v in %+v", n, l.Roles)
		}
	}
	if p := garage.Changes(l, nodes); !p.Empty() {
		t.Errorf("second plan:\n%s", p)
	}
	if _, err := garage.ParseStatus(run(t, c, "garage status")); err != nil {
		t.Error(err)
	}

	// The CLI's refusals.
	fails(t, c, "garage layout apply --version 3", "Invalid new layout version")
	fails(t, c, "garage layout assign -z fsn1 -c 1G -t nas1 "+nodes[0].ID, "required arguments were not provided")
	fails(t, c, "garage layout assign "+nodes[0].ID+" -z fsn1 -c 1000", "at least 1K")
	fails(t, c, "garage layout assign 0123 -z fsn1 -c 1G", "0 nodes match '0123'")
	fails(t, c, "garage layout revert", "--yes")

	// A change staged by hand on another node is reverted; a capacity
	// change is applied as version 2.
	run(t, conns[1], "garage layout remove "+nodes[2].ID[:8])
	l = showLayout(t, c)
	if len(l.Staged) != 1 || !l.Staged[0].Remove {
		t.Fatalf("staged removal: %+v", l)
	}
	fails(t, c, "garage layout apply --version 2", "smaller than the replication factor (3)")
	nodes[1].CapacityGB = 750
	p = garage.Changes(l, nodes)
	if len(p.Reverted) != 1 || len(p.Assign) != 1 || p.Version != 2 {
		t.Fatalf("plan:\n%s", p)
	}
	run(t, c, p.Script())
	l = showLayout(t, c)
	if l.Version != 2 || len(l.Roles) != 3 || len(l.Staged) != 0 {
		t.Fatalf("after the second apply: %+v", l)
	}
	if p := garage.Changes(l, nodes); !p.Empty() {
		t.Errorf("third plan:\n%s", p)
	}

	// Removing a node Garage cannot do without fails before apply; the
	// next plan reverts what the failed script staged.
	p = garage.Changes(l, nodes[:2])
	if err := p.Check(nodes[:2], 3); err == nil {
		t.Error("Plan.Check let 2 zones hold 3 copies")
	}
	if _, err := c.Run(context.Background(), "test", p.Script()); !errors.Is(err, sshx.ErrExit) {
		t.Errorf("applying a layout of 2 nodes for 3 copies: %v", err)
	}
	l = showLayout(t, c)
	if l.Version != 2 || len(l.Staged) != 1 {
		t.Fatalf("after the refused apply: %+v", l)
	}
	if p := garage.Changes(l, nodes); len(p.Commands) != 1 || p.Commands[0][2] != "revert" {
		t.Errorf("plan after the refused apply:\n%s", p)
	}
}

// A host outside any cluster keeps its own layout, under its root.
func TestFakeGarageAlone(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	out := run(t, c, "garage node id")
	if out != h.GarageNodeID()+"@127.0.0.1:3901\n" {
		t.Errorf("garage node id: %q", out)
	}
	if !h.Exists("var/lib/garage-fake/nodes/" + h.GarageNodeID()) {
		t.Error("the node did not join its own cluster")
	}
	fails(t, c, "garage bucket list", "no fake for: bucket list")
	if got := h.Commands(); len(got) != 2 || got[0] != "garage node id" {
		t.Errorf("recorded %q", got)
	}
}
