package garage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The outputs in testdata are what Garage 2.0's `garage layout show`
// prints (cli/remote/layout.rs and format-table, see the package comment),
// for the ids below.
const (
	idNas1 = "4a5c2e8f1b3d6079a1c2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192"
	idNas2 = "8e1d0c2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445"
	idWeb1 = "c07a9e5b3d1f2e4c6a8b0d9f7e5c3a1b2d4f6e8c0a9b7d5f3e1c2a4b6d8f0e9c"
	idGw1  = "2b7f9d1c3e5a7092b4d6f8e0a1c3e5f7092b4d6f8a0c2e4f6081a3c5e7f9b0d2"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var threeRoles = []Role{
	{ID: "4a5c2e8f1b3d6079", Tags: []string{"nas1"}, Zone: "fsn1", Capacity: "500.0 GB"},
	{ID: "8e1d0c2b3a4f5e6d", Tags: []string{"nas2"}, Zone: "hel1", Capacity: "2.0 TB"},
	{ID: "c07a9e5b3d1f2e4c", Tags: []string{"web1"}, Zone: "nbg1", Capacity: "1000.0 GB"},
}

func TestParseLayout(t *testing.T) {
	tests := []struct {
		file string
		want Layout
	}{
		{"show-empty.txt", Layout{}},
		{"show-staged-first.txt", Layout{Staged: []Change{
			{ID: "4a5c2e8f1b3d6079", Role: threeRoles[0]},
			{ID: "8e1d0c2b3a4f5e6d", Role: threeRoles[1]},
			{ID: "c07a9e5b3d1f2e4c", Role: threeRoles[2]},
		}}},
		{"show-applied.txt", Layout{Version: 1, Roles: threeRoles, ZoneRedundancy: "maximum"}},
		{"show-staged-error.txt", Layout{Version: 1, Roles: threeRoles, ZoneRedundancy: "maximum",
			Staged: []Change{{ID: "8e1d0c2b3a4f5e6d", Remove: true}}}},
		{"show-gateway.txt", Layout{
			Version: 7,
			Roles: append([]Role{{ID: "2b7f9d1c3e5a7092", Zone: "fsn1", Capacity: "gateway"}},
				threeRoles...),
			ZoneRedundancy: "2",
			Staged: []Change{{ID: "2b7f9d1c3e5a7092", Role: Role{ID: "2b7f9d1c3e5a7092",
				Tags: []string{"gw1", "edge"}, Zone: "fsn1", Capacity: "1000.0 MB"}}},
			StagedZoneRedundancy: "maximum",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseLayout(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseLayoutRefuses(t *testing.T) {
	applied := readTestdata(t, "show-applied.txt")
	tests := []struct {
		name, out, want string
	}{
		{"nothing", "", "printed nothing"},
		{"an error instead", "Error: Internal error: Could not connect\n", `line 1 "Error: Internal error: Could not connect"`},
		{"no version", "==== CURRENT CLUSTER LAYOUT ====\nNo nodes currently have a role in the cluster.\nSee `garage status` to view available nodes.\n", "ends before"},
		{"bad version", strings.Replace(applied, "version: 1", "version: one", 1), "not a number"},
		{"unknown line", applied + "\nSomething new\n", `line 11 "Something new"`},
		{"bad capacity", strings.Replace(applied, "500.0 GB   250.0 GB", "500 gigs   250.0 GB", 1), `"500 gigs" is neither a size`},
		{"bad id", strings.Replace(applied, "4a5c2e8f1b3d6079", "xa5c2e8f1b3d6079", 1), "not hexadecimal"},
		{"missing column", strings.Replace(applied, "Zone  Capacity", "Area  Capacity", 1), `no "Zone" column`},
		{"misaligned row", strings.Replace(applied, "4a5c2e8f1b3d6079  [nas1]", "4a5c2e8f1b3d6079 [nas1] ", 1), "does not line up"},
		{"no redundancy", strings.Replace(applied, "Zone redundancy: maximum", "", 1), `expected "Zone redundancy: maximum"`},
		{"bad redundancy", strings.Replace(applied, "Zone redundancy: maximum", "Zone redundancy: lots", 1), "neither"},
		{"truncated preview", strings.Split(readTestdata(t, "show-staged-first.txt"), "To enact")[0], "ends before"},
		{"wrong next version", strings.Replace(readTestdata(t, "show-staged-first.txt"), "--version 1", "--version 5", 1), "to be 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLayout(tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestCapacityMatches(t *testing.T) {
	tests := []struct {
		printed string
		gb      int64
		want    bool
	}{
		{"500.0 GB", 500, true},
		{"500.0 GB", 501, false},
		{"1000.0 GB", 1000, true}, // how bytesize prints 1 TB
		{"1.2 TB", 1234, true},
		{"1.2 TB", 1251, false},
		{"1000.0 MB", 1, true},
		{"931.3 GiB", 1000, true},
		{"gateway", 1, false},
		{"500 GB", 500, true},
	}
	for _, tt := range tests {
		if got := (Role{Capacity: tt.printed}).CapacityMatches(tt.gb); got != tt.want {
			t.Errorf("%q matches %d GB: %v, want %v", tt.printed, tt.gb, got, tt.want)
		}
	}
}

func FuzzParseLayout(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "show-*.txt"))
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds", err)
	}
	for _, file := range files {
		f.Add(readTestdata(f, filepath.Base(file)))
	}
	f.Add("==== CURRENT CLUSTER LAYOUT ====\nID\n0\n")
	f.Add("==== CURRENT CLUSTER LAYOUT ====\nID  Tags  Zone  Capacity\nab  é\n")
	f.Fuzz(func(t *testing.T, out string) {
		l, err := ParseLayout(out)
		if err != nil {
			return
		}
		// What parses is usable: Changes must not fail on it either.
		for _, r := range l.Roles {
			if r.ID == "" || r.Zone == "" {
				t.Fatalf("parsed an empty role field: %+v", r)
			}
		}
		Changes(l, []Node{{Machine: "nas1", ID: idNas1, Zone: "fsn1", CapacityGB: 500}}).Script()
	})
}
