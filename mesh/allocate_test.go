package mesh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// want is an allocation written as name=address pairs, for readable tables.
func want(pairs ...string) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		name, addr, _ := strings.Cut(p, "=")
		m[name] = addr
	}
	return m
}

func strs(m map[string]netip.Addr) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v.String()
	}
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// slotOf recomputes a name's preferred offset from the documented rule,
// independently of the code under test.
func slotOf(name string, usable uint64) uint64 {
	sum := sha256.Sum256([]byte(name))
	return binary.BigEndian.Uint64(sum[:8]) % usable
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name     string
		cidr     string
		members  []string
		previous map[string]string
		want     map[string]string
		err      string
	}{
		{
			// Known answers, computed outside Go: a change of the hash
			// rule would move every machine without state.
			name:    "hash slots",
			cidr:    "10.0.0.0/24",
			members: []string{"web1", "nas1", "nas2"},
			want:    want("web1=10.0.0.27", "nas1=10.0.0.253", "nas2=10.0.0.165"),
		},
		{
			name:    "ipv6 /64",
			cidr:    "fd00:77::/64",
			members: []string{"web1", "nas1"},
			want:    want("web1=fd00:77::659a:7fb2:af47:6faf", "nas1=fd00:77::f4b:db3f:229e:41e7"),
		},
		{
			name:    "ipv6 /120",
			cidr:    "fd00:77::/120",
			members: []string{"web1", "nas1"},
			want:    want("web1=fd00:77::48", "nas1=fd00:77::5f"),
		},
		{
			name:     "previous kept",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1", "nas1"},
			previous: want("web1=10.0.0.9", "nas1=10.0.0.10"),
			want:     want("web1=10.0.0.9", "nas1=10.0.0.10"),
		},
		{
			name:     "previous outside, network, broadcast or garbage is replaced",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1", "nas1", "nas2", "x"},
			previous: want("web1=10.0.1.9", "nas1=10.0.0.0", "nas2=10.0.0.255", "x=banana"),
			want:     want("web1=10.0.0.27", "nas1=10.0.0.253", "nas2=10.0.0.165", "x=10.0.0.25"),
		},
		{
			name:     "previous of the other family is replaced",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1"},
			previous: want("web1=::ffff:10.0.0.9"),
			want:     want("web1=10.0.0.27"),
		},
		{
			name:     "duplicate previous: the first name keeps it",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1", "nas1"},
			previous: want("web1=10.0.0.9", "nas1=10.0.0.9"),
			want:     want("nas1=10.0.0.9", "web1=10.0.0.27"),
		},
		{
			name:     "a newcomer's slot never takes a previous address",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1", "a"},
			previous: want("a=10.0.0.27"), // web1's hash slot
			want:     want("a=10.0.0.27", "web1=10.0.0.28"),
		},
		{
			name:     "previous of a non-member is ignored and its address free",
			cidr:     "10.0.0.0/24",
			members:  []string{"web1"},
			previous: want("gone=10.0.0.27"),
			want:     want("web1=10.0.0.27"),
		},
		{
			name:    "no members",
			cidr:    "10.0.0.0/24",
			members: nil,
			want:    want(),
		},
		{
			name:    "/30 holds exactly 2",
			cidr:    "10.0.0.0/30",
			members: []string{"a", "b"},
			want:    want("a=10.0.0.1", "b=10.0.0.2"),
		},
		{
			name:    "exhausted",
			cidr:    "10.0.0.0/30",
			members: []string{"a", "b", "c"},
			err:     "cidr 10.0.0.0/30 has 2 usable addresses for 3 machines; use a larger prefix such as /29",
		},
		{
			name:    "exhausted ipv6",
			cidr:    "fd00::/126",
			members: []string{"a", "b", "c", "d"},
			err:     "cidr fd00::/126 has 3 usable addresses for 4 machines; use a larger prefix such as /125",
		},
		{
			name: "non-canonical",
			cidr: "10.0.0.1/24",
			err:  "cidr 10.0.0.1/24 has host bits set; write the network as 10.0.0.0/24",
		},
		{
			name: "non-canonical ipv6",
			cidr: "fd00::1/64",
			err:  "write the network as fd00::/64",
		},
		{name: "/31", cidr: "10.0.0.0/31", err: "cidr 10.0.0.0/31 has 0 usable addresses; a mesh needs at least 2: use a prefix of /30 or shorter"},
		{name: "/32", cidr: "10.0.0.7/32", err: "has 0 usable addresses"},
		{name: "/127", cidr: "fd00::/127", err: "cidr fd00::/127 has 1 usable addresses; a mesh needs at least 2: use a prefix of /126 or shorter"},
		{name: "/128", cidr: "fd00::/128", err: "has 0 usable"},
		{name: "not a prefix", cidr: "10.0.0.0", err: `cidr "10.0.0.0" is not a prefix`},
		{name: "garbage", cidr: "mesh", err: `cidr "mesh" is not a prefix`},
		{
			name:    "duplicate member",
			cidr:    "10.0.0.0/24",
			members: []string{"a", "b", "a"},
			err:     `machine "a" is listed twice`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Allocate(tt.cidr, tt.members, tt.previous)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameMap(strs(got), tt.want) {
				t.Errorf("got %v, want %v", strs(got), tt.want)
			}
		})
	}
}

// TestAllocateCollision finds two names whose slots collide in a /29 and
// checks the later one probes upwards, and wraps around at the end.
func TestAllocateCollision(t *testing.T) {
	const usable = 6 // 10.0.0.1 .. 10.0.0.6
	bySlot := map[uint64][]string{}
	for i := 0; len(bySlot[usable-1]) < 2 || len(bySlot[2]) < 2; i++ {
		name := fmt.Sprintf("m%02d", i)
		s := slotOf(name, usable)
		bySlot[s] = append(bySlot[s], name)
	}

	mid := bySlot[2][:2] // both want offset 2 = 10.0.0.3; names are in sorted order
	got, err := Allocate("10.0.0.0/29", mid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[mid[0]].String() != "10.0.0.3" || got[mid[1]].String() != "10.0.0.4" {
		t.Errorf("collision at 10.0.0.3: got %v, want %s=10.0.0.3 %s=10.0.0.4", strs(got), mid[0], mid[1])
	}

	end := bySlot[usable-1][:2] // both want the last address, 10.0.0.6
	got, err = Allocate("10.0.0.0/29", end, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[end[0]].String() != "10.0.0.6" || got[end[1]].String() != "10.0.0.1" {
		t.Errorf("collision at the end: got %v, want %s=10.0.0.6 %s=10.0.0.1 (wrapped)", strs(got), end[0], end[1])
	}
}

// TestAllocateFull fills a /29 completely: every address used once.
func TestAllocateFull(t *testing.T) {
	members := []string{"a", "b", "c", "d", "e", "f"}
	got, err := Allocate("10.0.0.0/29", members, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range got {
		seen[a.String()] = true
	}
	for i := 1; i <= 6; i++ {
		if !seen[fmt.Sprintf("10.0.0.%d", i)] {
			t.Errorf("10.0.0.%d unused in a full /29: %v", i, strs(got))
		}
	}
}

// TestAllocateStability adds and removes machines, with and without the
// previous allocation, and checks who moves.
func TestAllocateStability(t *testing.T) {
	const cidr = "10.0.0.0/29" // small, so that collisions happen
	names := make([]string, 0, 6)
	for i := 0; i < 6; i++ {
		names = append(names, fmt.Sprintf("m%02d", i))
	}
	for k := 1; k <= len(names); k++ {
		base := names[:k]
		first, err := Allocate(cidr, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		prev := strs(first)
		// Remove each machine in turn: with previous, nobody else moves.
		for drop := range base {
			rest := append(append([]string{}, base[:drop]...), base[drop+1:]...)
			got, err := Allocate(cidr, rest, prev)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range rest {
				if got[n] != first[n] {
					t.Errorf("removing %s moved %s from %s to %s", base[drop], n, first[n], got[n])
				}
			}
		}
		// Add a machine sorting first or last: with previous, nobody moves.
		for _, added := range []string{"aa-new", "zz-new"} {
			if k == len(names) {
				break
			}
			grown := append([]string{added}, base...)
			got, err := Allocate(cidr, grown, prev)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range base {
				if got[n] != first[n] {
					t.Errorf("adding %s moved %s from %s to %s", added, n, first[n], got[n])
				}
			}
		}
	}
}

// TestAllocateStableWithoutState: in a roomy prefix where no slots
// collide, adding or removing a machine moves nobody even without state.
func TestAllocateStableWithoutState(t *testing.T) {
	const cidr = "10.1.0.0/16"
	members := []string{"web1", "web2", "nas1", "nas2", "db"}
	before, err := Allocate(cidr, members, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range [][]string{
		{"web1", "web2", "nas1", "nas2", "db", "aaa"},
		{"web1", "nas1", "nas2", "db"},
	} {
		after, err := Allocate(cidr, change, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range change {
			if a, ok := before[n]; ok && after[n] != a {
				t.Errorf("%v: %s moved from %s to %s", change, n, a, after[n])
			}
		}
	}
}

// TestAllocateOrder: the result does not depend on the order of members.
func TestAllocateOrder(t *testing.T) {
	a, err := Allocate("10.0.0.0/29", []string{"m00", "m01", "m02", "m03", "m04"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Allocate("10.0.0.0/29", []string{"m04", "m02", "m00", "m03", "m01"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameMap(strs(a), strs(b)) {
		t.Errorf("order changed the result: %v vs %v", strs(a), strs(b))
	}
}

// TestAllocateHugeIPv6 uses the largest prefixes: arithmetic, not
// enumeration.
func TestAllocateHugeIPv6(t *testing.T) {
	for _, cidr := range []string{"::/0", "2001:db8::/32", "fd00::/63", "fd00::/65"} {
		p := netip.MustParsePrefix(cidr)
		got, err := Allocate(cidr, []string{"a", "b", "c"}, map[string]string{"c": "ffff::1"})
		if err != nil {
			t.Fatalf("%s: %v", cidr, err)
		}
		for n, a := range got {
			if !p.Contains(a) || a == p.Addr() {
				t.Errorf("%s: %s got %s", cidr, n, a)
			}
		}
	}
	// The top of ::/0 is usable (IPv6 has no broadcast address).
	got, err := Allocate("::/0", []string{"a"}, map[string]string{"a": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
	if err != nil || got["a"].String() != "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" {
		t.Errorf("top of ::/0: %v %v", got, err)
	}
}

func FuzzAllocate(f *testing.F) {
	f.Add("10.0.0.0/24", "web1,nas1,nas2", "web1=10.0.0.9")
	f.Add("10.0.0.0/29", "a,b,c,d,e,f", "a=10.0.0.6,b=10.0.0.6,c=10.0.0.7")
	f.Add("10.0.0.0/30", "a,b,c", "")
	f.Add("fd00::/120", "a,b", "a=fd00::ff,b=fd00::")
	f.Add("::/0", "x", "x=::")
	f.Add("10.0.0.1/24", "a", "")
	f.Add("0.0.0.0/0", "a,b", "a=255.255.255.255")
	f.Fuzz(func(t *testing.T, cidr, members, previous string) {
		var names []string
		if members != "" {
			names = strings.Split(members, ",")
		}
		prev := map[string]string{}
		for _, kv := range strings.Split(previous, ",") {
			k, v, _ := strings.Cut(kv, "=")
			prev[k] = v
		}
		got, err := Allocate(cidr, names, prev)
		if err != nil {
			return
		}
		p := netip.MustParsePrefix(cidr)
		seen := map[netip.Addr]string{}
		for n, a := range got {
			if !p.Contains(a) || a == p.Addr() {
				t.Fatalf("%s got %s, not a usable address of %s", n, a, cidr)
			}
			if p.Addr().Is4() && isBroadcast(p, a) {
				t.Fatalf("%s got the broadcast address %s", n, a)
			}
			if o, ok := seen[a]; ok {
				t.Fatalf("%s and %s both got %s", o, n, a)
			}
			seen[a] = n
		}
		if len(got) != len(names) {
			t.Fatalf("%d addresses for %d members", len(got), len(names))
		}
	})
}

func isBroadcast(p netip.Prefix, a netip.Addr) bool {
	b := a.As4()
	v := binary.BigEndian.Uint32(b[:])
	host := uint32(1)<<(32-p.Bits()) - 1
	return v&host == host
}

func BenchmarkAllocate1000(b *testing.B) {
	members := make([]string, 1000)
	for i := range members {
		members[i] = fmt.Sprintf("machine-%04d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Allocate("10.0.0.0/16", members, nil); err != nil {
			b.Fatal(err)
		}
	}
}
