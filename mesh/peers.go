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
	// Site names the network the machine shares with others, where they
	// reach each other without NAT (an office: a bare-metal provider
	// block); "" for none. Local is its address there, "" when unknown.
	Site, Local string
	// PublicKey is its WireGuard public key, "" until collected from the
	// host after its first deploy.
	PublicKey string
	// Port is its WireGuard UDP port; 0 means DefaultPort.
	Port int
}

// natted reports whether the internet cannot initiate to the member.
func (m Member) natted() bool { return BehindNAT(m.Public) }

// known reports whether the member can be a peer yet: its key has been
// collected and it has a mesh address.
func (m Member) known() bool { return m.PublicKey != "" && m.Address.IsValid() }

// neighbours reports whether two members behind NAT reach each other
// directly on their site's network.
func neighbours(a, b Member) bool {
	return a.Site != "" && a.Site == b.Site && a.Local != "" && b.Local != ""
}

// A Peer is one [WireGuardPeer] entry of a machine's interface.
type Peer struct {
	Name      string
	PublicKey string
	// AllowedIPs are the mesh addresses routed to the peer, as
	// single-address prefixes (/32 or /128): its own, and for the relay
	// also those of the members it forwards to.
	AllowedIPs []string
	// Endpoint is where to send packets first, "" when the peer is behind
	// NAT: then it must make contact, and WireGuard learns its endpoint
	// from its packets.
	Endpoint string
	// Keepalive is the persistent-keepalive interval in seconds, 0 for
	// none.
	Keepalive int
}

// Peers is the peer list of machine self: the other members with a known
// public key and a mesh address, sorted by name. A member whose key is not
// collected yet is left out until the next deploy.
//
// Who keeps the connection open: only the side behind NAT can, since the
// mapping lives in its NAT and only its own packets refresh it. So a
// machine behind NAT sends keepalives to every public peer, and a public
// machine sends none: towards a peer behind NAT it has no endpoint,
// cannot initiate, and simply answers once that peer has spoken.
//
// Two machines both behind NAT: on the same site (Site, Local) they are
// direct peers at their local addresses, with no NAT between them and so
// no keepalive. At different sites neither can reach the other, so their
// traffic goes through the Relay: each routes the other's address to the
// relay (it is in the relay's AllowedIPs), and the relay, a peer of both,
// forwards it. Without a relay they stay apart (Isolated).
//
// Peers does not check keys; callers validate collected keys with
// ValidPublicKey before they store them.
func Peers(self string, members []Member) []Peer {
	me, _ := find(self, members)
	relay := Relay(members)
	var peers []Peer
	var relayed []string
	for _, m := range members {
		if m.Name == self || !m.known() {
			continue
		}
		p := Peer{Name: m.Name, PublicKey: m.PublicKey, AllowedIPs: []string{single(m.Address)}}
		switch {
		case !m.natted():
			p.Endpoint = Endpoint(m.Public, m.Port)
			if me.natted() {
				p.Keepalive = KeepaliveSeconds
			}
		case !me.natted():
			// It dials in; no endpoint to give.
		case neighbours(me, m):
			p.Endpoint = Endpoint(m.Local, m.Port)
		case relay != "" && relay != self:
			relayed = append(relayed, single(m.Address))
			continue
		default:
			continue // unreachable: Isolated tells
		}
		peers = append(peers, p)
	}
	for i := range peers {
		if peers[i].Name == relay {
			peers[i].AllowedIPs = append(peers[i].AllowedIPs, relayed...)
		}
	}
	slices.SortFunc(peers, func(a, b Peer) int { return strings.Compare(a.Name, b.Name) })
	return peers
}

// Relay is the member that forwards between members behind NAT at
// different sites: the first by name with a public address, a key and an
// IPv4 mesh address; "" when none qualifies or nobody needs one. IPv6
// meshes have none: forwarding IPv6 on one interface only is not
// something Linux offers (net.ipv6.conf.<if>.forwarding switches router
// behaviour, conf.all forwards everything), and enabling it host-wide
// would change how the host treats router advertisements.
func Relay(members []Member) string {
	if !needsRelay(members) {
		return ""
	}
	best := ""
	for _, m := range members {
		if !m.natted() && m.known() && m.Address.Is4() && (best == "" || m.Name < best) {
			best = m.Name
		}
	}
	return best
}

// needsRelay reports whether two known members are behind NAT at
// different sites. Members behind NAT fall into groups that reach each
// other directly (a site's neighbours; anyone else alone), and a relay is
// needed as soon as there are two groups. Linear: Peers calls it for
// every member.
func needsRelay(members []Member) bool {
	first := ""
	for _, m := range members {
		if !m.known() || !m.natted() {
			continue
		}
		group := "member " + m.Name
		if m.Site != "" && m.Local != "" {
			group = "site " + m.Site
		}
		if first == "" {
			first = group
		} else if group != first {
			return true
		}
	}
	return false
}

// Isolated are the pairs of members that cannot reach each other: both
// behind NAT at different sites, with no relay. Each pair is sorted, and
// the pairs too.
func Isolated(members []Member) [][2]string {
	if Relay(members) != "" {
		return nil
	}
	var out [][2]string
	for i, a := range members {
		for _, b := range members[i+1:] {
			if a.known() && b.known() && a.natted() && b.natted() && !neighbours(a, b) {
				pair := [2]string{a.Name, b.Name}
				if pair[1] < pair[0] {
					pair[0], pair[1] = pair[1], pair[0]
				}
				out = append(out, pair)
			}
		}
	}
	slices.SortFunc(out, func(x, y [2]string) int { return strings.Compare(x[0]+" "+x[1], y[0]+" "+y[1]) })
	return out
}

// Listens reports whether machine self's WireGuard port must be open: it
// has a public address peers can initiate to (not behind NAT) and the
// mesh has another member to do so, or a neighbour on its site dials it
// at its local address. A machine behind NAT with no neighbour needs no
// open port: it initiates, and the replies come back through its
// firewall's connection tracking.
func Listens(self string, members []Member) bool {
	me, found := find(self, members)
	if !found {
		return false
	}
	for _, m := range members {
		if m.Name != self && (!me.natted() || (m.natted() && neighbours(me, m))) {
			return true
		}
	}
	return false
}

// Forwards reports whether machine self is the relay of its mesh, so its
// mesh interface must forward packets between peers.
func Forwards(self string, members []Member) bool {
	return self != "" && Relay(members) == self
}

func find(name string, members []Member) (Member, bool) {
	for _, m := range members {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// single is an address as a single-address prefix: /32 or /128.
func single(a netip.Addr) string { return netip.PrefixFrom(a, a.BitLen()).String() }

// ValidPublicKey reports whether s is a WireGuard public key as wg(8)
// prints it: 32 bytes in standard base64 with padding, 44 characters.
func ValidPublicKey(s string) bool {
	if len(s) != 44 {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return err == nil && len(b) == 32
}
