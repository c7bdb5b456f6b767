package mesh

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
)

func TestBehindNAT(t *testing.T) {
	tests := []struct {
		address string
		want    bool
	}{
		{"", true},
		{"  ", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"172.32.0.1", false},
		{"192.168.1.10", true},
		{"100.64.0.1", true},
		{"100.127.255.254", true},
		{"100.128.0.1", false},
		{"127.0.0.1", true},
		{"169.254.1.1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"::1", true},
		{"fd00::1", true},
		{"fc00::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"::ffff:192.168.1.1", true},
		{"::ffff:203.0.113.7", false},
		{"203.0.113.7", false},
		{"1.1.1.1", false},
		{"2001:db8::1", false},
		{"2a01:4f8::1", false},
		{"host.example.org", false},
		{"nas.local", false},
	}
	for _, tt := range tests {
		if got := BehindNAT(tt.address); got != tt.want {
			t.Errorf("BehindNAT(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		address string
		port    int
		want    string
	}{
		{"1.2.3.4", 51820, "1.2.3.4:51820"},
		{"2001:db8::1", 51820, "[2001:db8::1]:51820"},
		{"host.example.org", 51820, "host.example.org:51820"},
		{"host.example.org", 0, "host.example.org:51820"},
		{"1.2.3.4", 4500, "1.2.3.4:4500"},
		{"", 51820, ""},
		{"1.2.3.4", -1, ""},
		{"1.2.3.4", 65536, ""},
	}
	for _, tt := range tests {
		if got := Endpoint(tt.address, tt.port); got != tt.want {
			t.Errorf("Endpoint(%q, %d) = %q, want %q", tt.address, tt.port, got, tt.want)
		}
	}
}

const (
	keyA = "YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
	keyB = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
	keyC = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
)

func TestPeers(t *testing.T) {
	ip := netip.MustParseAddr
	members := []Member{
		{Name: "web1", Address: ip("10.77.0.1"), Public: "203.0.113.7", PublicKey: keyA},
		{Name: "nas1", Address: ip("10.77.0.2"), Public: "192.168.1.10", PublicKey: keyB},
		{Name: "nas2", Address: ip("10.77.0.3"), Public: "", PublicKey: keyC},
		{Name: "new", Address: ip("10.77.0.4"), Public: "198.51.100.1"}, // key not collected yet
		{Name: "v6", Address: ip("fd77::5"), Public: "vpn.example.org", PublicKey: keyA, Port: 4500},
	}
	tests := []struct {
		self string
		want []Peer
	}{
		{
			// Public: endpoints for public peers, none for NAT'd ones,
			// and no keepalives at all.
			self: "web1",
			want: []Peer{
				{Name: "nas1", PublicKey: keyB, AllowedIPs: []string{"10.77.0.2/32"}},
				{Name: "nas2", PublicKey: keyC, AllowedIPs: []string{"10.77.0.3/32"}},
				{Name: "v6", PublicKey: keyA, AllowedIPs: []string{"fd77::5/128"}, Endpoint: "vpn.example.org:4500"},
			},
		},
		{
			// Behind NAT: keepalives towards every public peer. The other
			// NAT'd machine, at no common site, is reached through the
			// relay, web1: its address is routed there.
			self: "nas1",
			want: []Peer{
				{Name: "v6", PublicKey: keyA, AllowedIPs: []string{"fd77::5/128"}, Endpoint: "vpn.example.org:4500", Keepalive: 25},
				{Name: "web1", PublicKey: keyA, AllowedIPs: []string{"10.77.0.1/32", "10.77.0.3/32"}, Endpoint: "203.0.113.7:51820", Keepalive: 25},
			},
		},
		{
			// Without a key of its own yet, a machine still lists the
			// peers it knows.
			self: "new",
			want: []Peer{
				{Name: "nas1", PublicKey: keyB, AllowedIPs: []string{"10.77.0.2/32"}},
				{Name: "nas2", PublicKey: keyC, AllowedIPs: []string{"10.77.0.3/32"}},
				{Name: "v6", PublicKey: keyA, AllowedIPs: []string{"fd77::5/128"}, Endpoint: "vpn.example.org:4500"},
				{Name: "web1", PublicKey: keyA, AllowedIPs: []string{"10.77.0.1/32"}, Endpoint: "203.0.113.7:51820"},
			},
		},
	}
	for _, tt := range tests {
		got := Peers(tt.self, members)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Peers(%s) =\n%+v\nwant\n%+v", tt.self, got, tt.want)
		}
	}
	if got := Peers("web1", members[:1]); len(got) != 0 {
		t.Errorf("a lone machine has peers: %+v", got)
	}
	noAddr := []Member{{Name: "a", Public: "1.2.3.4", PublicKey: keyA}, {Name: "b", PublicKey: keyB}}
	if got := Peers("b", noAddr); len(got) != 0 {
		t.Errorf("a member without a mesh address became a peer: %+v", got)
	}
}

// Members behind NAT: neighbours on one site are direct peers at their
// local addresses; members at different sites go through the relay, the
// first public member by name with a key and an IPv4 mesh address; with
// no such member they are isolated, and told.
func TestPeersBehindNAT(t *testing.T) {
	ip := netip.MustParseAddr
	office1 := Member{Name: "a1", Address: ip("10.77.0.11"), Public: "192.168.1.10", Site: "provider.baremetal.office", Local: "192.168.1.10", PublicKey: keyA}
	office2 := Member{Name: "a2", Address: ip("10.77.0.12"), Site: "provider.baremetal.office", Local: "192.168.1.11", PublicKey: keyB, Port: 51900}
	home := Member{Name: "h1", Address: ip("10.77.0.21"), Public: "100.64.3.4", Site: "provider.baremetal.home", Local: "10.0.0.2", PublicKey: keyC}
	cloudB := Member{Name: "zz", Address: ip("10.77.0.2"), Public: "203.0.113.9", PublicKey: keyB}
	cloudA := Member{Name: "w1", Address: ip("10.77.0.1"), Public: "203.0.113.7", PublicKey: keyA}
	unkeyed := Member{Name: "b0", Address: ip("10.77.0.3"), Public: "203.0.113.8"}
	members := []Member{office1, office2, home, cloudB, cloudA, unkeyed}

	if got := Relay(members); got != "w1" {
		t.Errorf("Relay = %q, want w1 (b0 has no key yet)", got)
	}
	want := []Peer{
		{Name: "a2", PublicKey: keyB, AllowedIPs: []string{"10.77.0.12/32"}, Endpoint: "192.168.1.11:51900"},
		{Name: "w1", PublicKey: keyA, AllowedIPs: []string{"10.77.0.1/32", "10.77.0.21/32"}, Endpoint: "203.0.113.7:51820", Keepalive: 25},
		{Name: "zz", PublicKey: keyB, AllowedIPs: []string{"10.77.0.2/32"}, Endpoint: "203.0.113.9:51820", Keepalive: 25},
	}
	if got := Peers("a1", members); !reflect.DeepEqual(got, want) {
		t.Errorf("Peers(a1) =\n%+v\nwant\n%+v", got, want)
	}
	want = []Peer{
		{Name: "w1", PublicKey: keyA, AllowedIPs: []string{"10.77.0.1/32", "10.77.0.11/32", "10.77.0.12/32"}, Endpoint: "203.0.113.7:51820", Keepalive: 25},
		{Name: "zz", PublicKey: keyB, AllowedIPs: []string{"10.77.0.2/32"}, Endpoint: "203.0.113.9:51820", Keepalive: 25},
	}
	if got := Peers("h1", members); !reflect.DeepEqual(got, want) {
		t.Errorf("Peers(h1) =\n%+v\nwant\n%+v", got, want)
	}
	// The relay and the other public member are direct peers of all.
	for _, self := range []string{"w1", "zz"} {
		if got := Peers(self, members); len(got) != 4 {
			t.Errorf("Peers(%s) = %+v, want the 4 other keyed members", self, got)
		}
	}
	if !Forwards("w1", members) || Forwards("zz", members) || Forwards("a1", members) {
		t.Error("only the relay forwards")
	}
	for self, want := range map[string]bool{"a1": true, "a2": true, "h1": false, "w1": true} {
		if got := Listens(self, members); got != want {
			t.Errorf("Listens(%s) = %v, want %v", self, got, want)
		}
	}
	if got := Isolated(members); got != nil {
		t.Errorf("Isolated with a relay: %v", got)
	}

	// Neighbours only: nobody needs a relay, nobody forwards.
	if got := Relay([]Member{office1, office2, cloudA}); got != "" {
		t.Errorf("Relay without members at different sites = %q", got)
	}
	// No public member: the sites cannot reach each other.
	alone := []Member{office1, office2, home}
	if got := Isolated(alone); !reflect.DeepEqual(got, [][2]string{{"a1", "h1"}, {"a2", "h1"}}) {
		t.Errorf("Isolated = %v", got)
	}
	if got := Peers("h1", alone); len(got) != 0 {
		t.Errorf("Peers(h1) without a relay = %+v", got)
	}
	// An IPv6 mesh has no relay.
	v6 := []Member{office1, home, {Name: "w6", Address: ip("fd77::1"), Public: "203.0.113.7", PublicKey: keyA}}
	v6[0].Address, v6[1].Address = ip("fd77::11"), ip("fd77::21")
	if got := Relay(v6); got != "" || len(Isolated(v6)) != 1 {
		t.Errorf("IPv6 mesh: relay %q, isolated %v", got, Isolated(v6))
	}
}

func TestListens(t *testing.T) {
	pub := Member{Name: "web1", Public: "203.0.113.7"}
	nat := Member{Name: "nas1", Public: "192.168.1.10"}
	unknown := Member{Name: "nas2"}
	tests := []struct {
		self    string
		members []Member
		want    bool
	}{
		{"web1", []Member{pub, nat}, true},
		{"web1", []Member{pub}, false},
		{"nas1", []Member{pub, nat}, false},
		{"nas2", []Member{pub, unknown}, false},
		{"ghost", []Member{pub, nat}, false},
	}
	for _, tt := range tests {
		if got := Listens(tt.self, tt.members); got != tt.want {
			t.Errorf("Listens(%s, %d members) = %v, want %v", tt.self, len(tt.members), got, tt.want)
		}
	}
}

func TestValidPublicKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{keyA, true},
		{keyB, true},
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true},
		{"", false},
		{keyA[:43], false},  // no padding
		{keyA + "=", false}, // too long
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", false}, // padding bits set
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=", false}, // URL alphabet
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false},
	}
	for _, tt := range tests {
		if got := ValidPublicKey(tt.key); got != tt.want {
			t.Errorf("ValidPublicKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// BenchmarkPeers1000 is every member's peer list in a 1,000-member mesh:
// 500 public, 250 in one office, 250 each at a site of its own (so the
// relay carries them): what generating the mesh's hosts costs.
func BenchmarkPeers1000(b *testing.B) {
	members := make([]Member, 1000)
	for i := range members {
		m := Member{Name: fmt.Sprintf("m%04d", i), Address: netip.AddrFrom4([4]byte{10, 77, byte(i >> 8), byte(i)}), PublicKey: keyA}
		switch {
		case i < 500:
			m.Public = fmt.Sprintf("203.0.%d.%d", i>>8, i&255)
		case i < 750:
			m.Site, m.Local = "office", fmt.Sprintf("192.168.%d.%d", i>>8, i&255)
		default:
			m.Site, m.Local = fmt.Sprintf("home%d", i), "192.168.1.2"
		}
		members[i] = m
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range members {
			Peers(m.Name, members)
		}
	}
}
