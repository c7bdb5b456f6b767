package garage

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var (
	nas1 = Node{Machine: "nas1", ID: idNas1, Zone: "fsn1", CapacityGB: 500}
	nas2 = Node{Machine: "nas2", ID: idNas2, Zone: "hel1", CapacityGB: 2000}
	web1 = Node{Machine: "web1", ID: idWeb1, Zone: "nbg1", CapacityGB: 1000}
)

func applied(t *testing.T) Layout {
	t.Helper()
	l, err := ParseLayout(readTestdata(t, "show-applied.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestChanges(t *testing.T) {
	empty := Layout{}
	current := applied(t)
	staged, err := ParseLayout(readTestdata(t, "show-staged-error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := ParseLayout(readTestdata(t, "show-gateway.txt"))
	if err != nil {
		t.Fatal(err)
	}
	with := func(n Node, f func(*Node)) Node { f(&n); return n }
	nas3 := Node{Machine: "nas3", ID: "d" + strings.Repeat("1", 63), Zone: "hel1", CapacityGB: 300}
	assign := func(n Node) string {
		return "garage layout assign " + n.ID + " -z " + n.Zone + " -c " + capacityArg(n.CapacityGB) + " -t " + n.Machine
	}

	tests := []struct {
		name     string
		current  Layout
		desired  []Node
		commands []string
		describe []string
	}{
		{
			name:    "first layout",
			current: empty,
			desired: []Node{web1, nas2, nas1},
			commands: []string{assign(nas1), assign(nas2), assign(web1),
				"garage layout apply --version 1"},
			describe: []string{"assign nas1 zone fsn1 capacity 500G", "assign nas2 zone hel1 capacity 2000G",
				"assign web1 zone nbg1 capacity 1000G", "apply layout version 1"},
		},
		{
			name:    "unchanged",
			current: current,
			desired: []Node{nas1, nas2, web1},
		},
		{
			name:     "node added",
			current:  current,
			desired:  []Node{nas1, nas2, web1, nas3},
			commands: []string{assign(nas3), "garage layout apply --version 2"},
			describe: []string{"assign nas3 zone hel1 capacity 300G", "apply layout version 2"},
		},
		{
			name:     "node removed",
			current:  current,
			desired:  []Node{nas1, web1},
			commands: []string{"garage layout remove 8e1d0c2b3a4f5e6d", "garage layout apply --version 2"},
			describe: []string{"remove nas2 (node 8e1d0c2b3a4f5e6d)", "apply layout version 2"},
		},
		{
			name:     "capacity changed",
			current:  current,
			desired:  []Node{with(nas1, func(n *Node) { n.CapacityGB = 750 }), nas2, web1},
			commands: []string{assign(with(nas1, func(n *Node) { n.CapacityGB = 750 })), "garage layout apply --version 2"},
			describe: []string{"assign nas1 zone fsn1 capacity 750G (was zone fsn1 capacity 500.0 GB tags nas1)", "apply layout version 2"},
		},
		{
			name:    "capacity within what Garage prints",
			current: current,
			desired: []Node{nas1, with(nas2, func(n *Node) { n.CapacityGB = 2040 }), web1},
		},
		{
			name:     "zone changed",
			current:  current,
			desired:  []Node{nas1, nas2, with(web1, func(n *Node) { n.Zone = "hel1" })},
			commands: []string{assign(with(web1, func(n *Node) { n.Zone = "hel1" })), "garage layout apply --version 2"},
			describe: []string{"assign web1 zone hel1 capacity 1000G (was zone nbg1 capacity 1000.0 GB tags web1)", "apply layout version 2"},
		},
		{
			name:     "machine renamed",
			current:  current,
			desired:  []Node{nas1, nas2, with(web1, func(n *Node) { n.Machine = "web9" })},
			commands: []string{assign(with(web1, func(n *Node) { n.Machine = "web9" })), "garage layout apply --version 2"},
			describe: []string{"assign web9 zone nbg1 capacity 1000G (was zone nbg1 capacity 1000.0 GB tags web1)", "apply layout version 2"},
		},
		{
			name:     "nodes still without ids",
			current:  empty,
			desired:  []Node{nas1, with(nas2, func(n *Node) { n.ID = "" }), web1},
			commands: []string{assign(nas1), assign(web1), "garage layout apply --version 1"},
			describe: []string{"assign nas1 zone fsn1 capacity 500G", "assign web1 zone nbg1 capacity 1000G",
				"apply layout version 1", "wait for nas2: no Garage node id yet; it joins the layout on a later apply"},
		},
		{
			name:     "no removal while a node waits",
			current:  current,
			desired:  []Node{nas1, with(nas3, func(n *Node) { n.ID = "" })},
			commands: nil,
			describe: []string{"wait for nas3: no Garage node id yet; it joins the layout on a later apply",
				"keep nas2 (node 8e1d0c2b3a4f5e6d) until nas3 has a node id",
				"keep web1 (node c07a9e5b3d1f2e4c) until nas3 has a node id"},
		},
		{
			name:     "staged foreign changes",
			current:  staged,
			desired:  []Node{nas1, nas2, web1},
			commands: []string{"garage layout revert --yes"},
			describe: []string{"revert staged layout changes freecloud did not make: remove 8e1d0c2b3a4f5e6d"},
		},
		{
			name:    "staged foreign changes and a change",
			current: staged,
			desired: []Node{nas1, nas2},
			commands: []string{"garage layout revert --yes", "garage layout remove c07a9e5b3d1f2e4c",
				"garage layout apply --version 2"},
			describe: []string{"revert staged layout changes freecloud did not make: remove 8e1d0c2b3a4f5e6d",
				"remove web1 (node c07a9e5b3d1f2e4c)", "apply layout version 2"},
		},
		{
			name:    "gateway and zone redundancy",
			current: gateway,
			desired: []Node{nas1, nas2, web1},
			commands: []string{"garage layout revert --yes", "garage layout remove 2b7f9d1c3e5a7092",
				"garage layout config -r maximum", "garage layout apply --version 8"},
			describe: []string{"revert staged layout changes freecloud did not make: assign 2b7f9d1c3e5a7092 zone fsn1 capacity 1000.0 MB; zone redundancy maximum",
				"remove node 2b7f9d1c3e5a7092", "set zone redundancy to maximum (was 2)", "apply layout version 8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Changes(tt.current, tt.desired)
			var commands []string
			for _, c := range p.Commands {
				commands = append(commands, strings.Join(c, " "))
			}
			if !reflect.DeepEqual(commands, tt.commands) {
				t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(commands, "\n"), strings.Join(tt.commands, "\n"))
			}
			if got := p.Describe(); !reflect.DeepEqual(got, tt.describe) {
				t.Errorf("describe:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.describe, "\n"))
			}
			if p.Empty() != (len(tt.commands) == 0) || (p.Script() == "") != p.Empty() {
				t.Errorf("Empty %v, script %q", p.Empty(), p.Script())
			}
		})
	}
}

func TestPlanCheck(t *testing.T) {
	waiting := []Node{nas1, {Machine: "nas2", Zone: "hel1", CapacityGB: 2000}, web1}
	p := Changes(Layout{}, waiting)
	err := p.Check(waiting, 3)
	if err == nil || !strings.Contains(err.Error(), "without nas2, which has no Garage node id yet") ||
		!strings.Contains(err.Error(), "2 zones: fsn1 (nas1); nbg1 (web1)") {
		t.Errorf("a layout of 2 zones for 3 copies: %v", err)
	}
	if err := p.Check(waiting, 2); err != nil {
		t.Errorf("2 zones for 2 copies: %v", err)
	}
	if err := Changes(applied(t), []Node{nas1, nas2, web1}).Check(nil, 3); err != nil {
		t.Errorf("a plan that applies nothing: %v", err)
	}
}

// The script runs under sh: each command gets exactly its arguments, even
// odd ones, and the first failure stops it.
func TestScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>' \"$a\" >>" + quote(log) + "; done\necho >>" + quote(log) + "\n[ \"$1\" != fail ]\n"
	if err := os.WriteFile(filepath.Join(dir, "garage"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	p := Plan{Commands: [][]string{
		{"garage", "layout", "assign", "it's", "-z", "a b", "-c", "$(reboot)", "-t", `"\`},
		{"garage", "fail"},
		{"garage", "never"},
	}}
	cmd := exec.Command(sh, "-c", p.Script())
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("the script went on after a failure: %s", out)
	}
	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "<layout><assign><it's><-z><a b><-c><$(reboot)><-t><\"\\>\n<fail>\n"
	if string(got) != want {
		t.Errorf("ran:\n%s\nwant:\n%s", got, want)
	}
	if s := p.Script(); !strings.HasPrefix(s, "set -eu\n'garage' 'layout' 'assign' 'it'\\''s' ") {
		t.Errorf("script: %s", s)
	}
}

func TestString(t *testing.T) {
	p := Changes(applied(t), []Node{nas1, web1})
	want := "remove nas2 (node 8e1d0c2b3a4f5e6d)\napply layout version 2"
	if p.String() != want {
		t.Errorf("String() = %q, want %q", p.String(), want)
	}
}
