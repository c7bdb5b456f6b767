package mesh

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// DefaultPort is WireGuard's customary UDP port, used when a Member has
// no port of its own.
const DefaultPort = 51820

// KeepaliveSeconds is the persistent-keepalive interval a machine behind
// NAT sends to its reachable peers. A NAT forgets a UDP mapping after a
// period of silence (often 30 s or more, sometimes less), after which the
// public peer can no longer reach the machine behind it until that one
// speaks again. 25 s is the interval the WireGuard documentation and
// wg-quick(8) recommend: short enough for nearly every NAT, long enough to
// cost nothing.
const KeepaliveSeconds = 25

// cgnat is the shared address space of carrier-grade NAT (RFC 6598), which
// netip's IsPrivate does not include.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// BehindNAT reports whether a machine with this public address cannot be
// reached from the internet, so that peers cannot initiate a connection to
// it: "" (nothing known), private (RFC 1918, IPv6 ULA fc00::/7), carrier
// grade NAT (100.64.0.0/10), loopback, link-local and unspecified
// addresses. A DNS name is taken to resolve to a public address: whoever
// wrote it meant the machine to be reached by it.
func BehindNAT(address string) bool {
	address = strings.TrimSpace(address)
	if address == "" {
		return true
	}
	a, err := netip.ParseAddr(address)
	if err != nil {
		return false // a name
	}
	a = a.Unmap()
	return a.IsPrivate() || cgnat.Contains(a) || a.IsLoopback() ||
		a.IsLinkLocalUnicast() || a.IsUnspecified()
}

// Endpoint is the WireGuard endpoint for an address and port:
// "192.0.2.1:51820", "[2001:db8::1]:51820" or "host.example.org:51820";
// "" when the address is unknown or the port is not a UDP port. A port of
// 0 means DefaultPort.
func Endpoint(address string, port int) string {
	address = strings.TrimSpace(address)
	if port == 0 {
		port = DefaultPort
	}
	if address == "" || port < 1 || port > 65535 {
		return ""
	}
	if a, err := netip.ParseAddr(address); err == nil {
		return netip.AddrPortFrom(a, uint16(port)).String()
	}
	return address + ":" + strconv.Itoa(port)
}

// A Member is a machine of the mesh as the peer list needs it.
type Member struct {
	Name string
	// Address is the machine's address inside the mesh (from Allocate).
	Address netip.Addr
	// Public is the address (or DNS name) the machine is reached at from
	// the internet, "" when unknown.
	Public string
	// PublicKey is its WireGuard public key, "" until collected from the
	// host after its first deploy.
	PublicKey string
	// Port is its WireGuard UDP port; 0 means DefaultPort.
	Port int
}

// A Peer is one [WireGuardPeer] entry of a machine's interface.
type Peer struct {
	Name      string
	PublicKey string
	// AllowedIP is the peer's mesh address as a single-address prefix
	// (/32 or /128): each peer routes only its own address.
	AllowedIP string
	// Endpoint is where to send packets first, "" when the peer is behind
	// NAT: then it must make contact, and WireGuard learns its endpoint
	// from its packets.
	Endpoint string
	// Keepalive is the persistent-keepalive interval in seconds, 0 for
	// none.
	Keepalive int
}

// Peers is the peer list of machine self: every other member with a known
// public key and a mesh address, sorted by name. A member whose key is not
// collected yet is left out until the next deploy.
//
// Who keeps the connection open: only the side behind NAT can, since the
// mapping lives in its NAT and only its own packets refresh it. So a
// machine behind NAT sends keepalives to every peer it has an endpoint
// for, and a public machine sends none: towards a peer behind NAT it has
// no endpoint, cannot initiate, and simply answers once that peer has
// spoken. Two machines that are both behind NAT have no endpoint for each
// other and cannot talk directly; they reach each other only through a
// public machine routing between them, which this package does not set up.
//
// Peers does not check keys; callers validate collected keys with
// ValidPublicKey before they store them.
func Peers(self string, members []Member) []Peer {
	selfNAT := true
	for _, m := range members {
		if m.Name == self {
			selfNAT = BehindNAT(m.Public)
		}
	}
	var peers []Peer
	for _, m := range members {
		if m.Name == self || m.PublicKey == "" || !m.Address.IsValid() {
			continue
		}
		p := Peer{
			Name:      m.Name,
			PublicKey: m.PublicKey,
			AllowedIP: netip.PrefixFrom(m.Address, m.Address.BitLen()).String(),
		}
		if !BehindNAT(m.Public) {
			p.Endpoint = Endpoint(m.Public, m.Port)
			if selfNAT {
				p.Keepalive = KeepaliveSeconds
			}
		}
		peers = append(peers, p)
	}
	slices.SortFunc(peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	return peers
}

// Listens reports whether machine self's WireGuard port must be open to
// the internet: it has a public address peers can initiate to (not behind
// NAT), and the mesh has at least one other member to do so. A machine
// behind NAT needs no open port: it initiates, and the replies come back
// through its firewall's connection tracking.
func Listens(self string, members []Member) bool {
	found, others := false, false
	for _, m := range members {
		if m.Name == self {
			found = !BehindNAT(m.Public)
		} else {
			others = true
		}
	}
	return found && others
}

// ValidPublicKey reports whether s is a WireGuard public key as wg(8)
// prints it: 32 bytes in standard base64 with padding, 44 characters.
func ValidPublicKey(s string) bool {
	if len(s) != 44 {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32
}
