package mesh

import (
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
				{Name: "nas1", PublicKey: keyB, AllowedIP: "10.77.0.2/32"},
				{Name: "nas2", PublicKey: keyC, AllowedIP: "10.77.0.3/32"},
				{Name: "v6", PublicKey: keyA, AllowedIP: "fd77::5/128", Endpoint: "vpn.example.org:4500"},
			},
		},
		{
			// Behind NAT: keepalives towards every peer it can reach;
			// the other NAT'd machine has neither endpoint nor keepalive.
			self: "nas1",
			want: []Peer{
				{Name: "nas2", PublicKey: keyC, AllowedIP: "10.77.0.3/32"},
				{Name: "v6", PublicKey: keyA, AllowedIP: "fd77::5/128", Endpoint: "vpn.example.org:4500", Keepalive: 25},
				{Name: "web1", PublicKey: keyA, AllowedIP: "10.77.0.1/32", Endpoint: "203.0.113.7:51820", Keepalive: 25},
			},
		},
		{
			// Without a key of its own yet, a machine still lists the
			// peers it knows.
			self: "new",
			want: []Peer{
				{Name: "nas1", PublicKey: keyB, AllowedIP: "10.77.0.2/32"},
				{Name: "nas2", PublicKey: keyC, AllowedIP: "10.77.0.3/32"},
				{Name: "v6", PublicKey: keyA, AllowedIP: "fd77::5/128", Endpoint: "vpn.example.org:4500"},
				{Name: "web1", PublicKey: keyA, AllowedIP: "10.77.0.1/32", Endpoint: "203.0.113.7:51820"},
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
