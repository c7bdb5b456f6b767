// Package mesh is the pure logic of freecloud's WireGuard mesh: which
// address each machine gets inside the mesh's prefix, which machines sit
// behind NAT, and the peer list each machine's WireGuard interface needs.
//
// Nothing here reads the network or the state file; callers pass in what
// state recorded (previous addresses, collected public keys) and get back
// values to render into Nix and to record again.
package mesh

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
)

// Allocate gives each member (a machine name) an address inside cidr, an
// IPv4 or IPv6 prefix written in canonical form (host bits zero).
//
// Addresses must not move when machines come and go, since peers,
// firewall rules and services refer to them. So the allocation is
// deterministic and local:
//
//   - A member keeps its previous address (from state) when that address is
//     still usable in cidr and no member sorting before it claims the same
//     one. Entries of previous for machines that are no longer members are
//     ignored, which frees their addresses.
//   - Every other member, in sorted name order, starts at a slot derived
//     from its name alone (SHA-256, first 8 bytes, modulo the number of
//     usable addresses) and takes the first free address from there
//     upwards, wrapping around at the end of the prefix.
//
// With previous state, adding or removing a machine never moves another
// one. Without it, a machine's address depends only on its name unless two
// names' slots collide, so adding a machine moves another only in that rare
// case; recording the result as previous removes even that.
//
// Usable addresses exclude the network address and, for IPv4, the
// broadcast address. A prefix with fewer than two usable addresses (IPv4
// /31 and /32, IPv6 /127 and /128) is refused: a mesh has at least two
// machines. Arithmetic is on 128-bit offsets, never an enumeration of the
// prefix, so a /64 costs the same as a /24.
func Allocate(cidr string, members []string, previous map[string]string) (map[string]netip.Addr, error) {
	sp, err := parseSpace(cidr)
	if err != nil {
		return nil, err
	}
	names := slices.Clone(members)
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			return nil, fmt.Errorf("machine %q is listed twice in the mesh; list each machine once", names[i])
		}
	}
	if n := uint64(len(names)); sp.usable.hi == 0 && n > sp.usable.lo {
		return nil, fmt.Errorf("cidr %s has %d usable addresses for %d machines; %s",
			sp.prefix, sp.usable.lo, n, sp.fitAdvice(n))
	}

	result := make(map[string]netip.Addr, len(names))
	taken := make(map[uint128]bool, len(names))
	// First the members whose previous address is still good, so that a
	// newcomer can never take it, whatever its name.
	for _, name := range names {
		off, ok := sp.offsetOf(previous[name])
		if !ok || taken[off] {
			continue
		}
		taken[off] = true
		result[name] = sp.addr(off)
	}
	for _, name := range names {
		if _, ok := result[name]; ok {
			continue
		}
		off := sp.slot(name)
		// There are at most len(names) taken offsets and more usable
		// ones than that, so the probe ends within len(names) steps.
		for taken[off] {
			off = off.add(1)
			if off == sp.usable {
				off = uint128{}
			}
		}
		taken[off] = true
		result[name] = sp.addr(off)
	}
	return result, nil
}

// space is a prefix seen as its usable addresses, numbered 0..usable-1:
// offset i is the address network+1+i.
type space struct {
	prefix  netip.Prefix
	network uint128 // the network address as a number
	usable  uint128 // how many usable addresses there are
}

func parseSpace(cidr string) (space, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return space{}, fmt.Errorf("cidr %q is not a prefix: write it like 10.77.0.0/24 or fd00:77::/64", cidr)
	}
	if p.Addr().Zone() != "" {
		return space{}, fmt.Errorf("cidr %s has a zone; write it without the %%%s", cidr, p.Addr().Zone())
	}
	if m := p.Masked(); m != p {
		return space{}, fmt.Errorf("cidr %s has host bits set; write the network as %s", cidr, m)
	}
	hostBits := p.Addr().BitLen() - p.Bits()
	usable := ones(hostBits) // all offsets but the network address
	if p.Addr().Is4() && hostBits >= 1 {
		usable = usable.sub1() // and the broadcast address
	}
	if usable.hi == 0 && usable.lo < 2 {
		suggest := 126
		if p.Addr().Is4() {
			suggest = 30
		}
		return space{}, fmt.Errorf("cidr %s has %d usable addresses; a mesh needs at least 2: use a prefix of /%d or shorter",
			cidr, usable.lo, suggest)
	}
	return space{prefix: p, network: fromAddr(p.Addr()), usable: usable}, nil
}

// offsetOf returns the offset of a previous address, and whether it is a
// usable address of the space.
func (sp space) offsetOf(s string) (uint128, bool) {
	if s == "" {
		return uint128{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || !sp.prefix.Contains(a) {
		return uint128{}, false
	}
	v := fromAddr(a)
	if v == sp.network {
		return uint128{}, false
	}
	off := v.sub(sp.network).sub1()
	if !off.less(sp.usable) {
		return uint128{}, false // the IPv4 broadcast address
	}
	return off, true
}

func (sp space) addr(off uint128) netip.Addr {
	v := sp.network.add(1).addWide(off)
	if sp.prefix.Addr().Is4() {
		return netip.AddrFrom4([4]byte{byte(v.lo >> 24), byte(v.lo >> 16), byte(v.lo >> 8), byte(v.lo)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return netip.AddrFrom16(b)
}

// slot is a name's preferred offset: the first 8 bytes of its SHA-256,
// modulo the number of usable addresses.
func (sp space) slot(name string) uint128 {
	sum := sha256.Sum256([]byte(name))
	h := binary.BigEndian.Uint64(sum[:8])
	if sp.usable.hi != 0 {
		return uint128{lo: h} // h < 2^64 <= usable
	}
	return uint128{lo: h % sp.usable.lo}
}

// fitAdvice names the smallest prefix of the same family that holds n
// machines.
func (sp space) fitAdvice(n uint64) string {
	is4 := sp.prefix.Addr().Is4()
	total := sp.prefix.Addr().BitLen()
	for hostBits := 2; hostBits <= total; hostBits++ {
		u := ones(hostBits)
		if is4 {
			u = u.sub1()
		}
		if u.hi != 0 || u.lo >= n {
			return fmt.Sprintf("use a larger prefix such as /%d", total-hostBits)
		}
	}
	return "no IPv4 prefix holds that many; use an IPv6 prefix such as /64"
}

// uint128 is an unsigned 128-bit number, enough for any offset in an IPv6
// prefix.
type uint128 struct{ hi, lo uint64 }

func fromAddr(a netip.Addr) uint128 {
	if a.Is4() {
		b := a.As4()
		return uint128{lo: uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return uint128{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:])}
}

// ones is 2^n - 1, for 0 <= n <= 128.
func ones(n int) uint128 {
	switch {
	case n >= 128:
		return uint128{^uint64(0), ^uint64(0)}
	case n >= 64:
		return uint128{hi: 1<<(n-64) - 1, lo: ^uint64(0)}
	default:
		return uint128{lo: 1<<n - 1}
	}
}

func (u uint128) add(n uint64) uint128 { return u.addWide(uint128{lo: n}) }

func (u uint128) addWide(v uint128) uint128 {
	lo, c := bits.Add64(u.lo, v.lo, 0)
	hi, _ := bits.Add64(u.hi, v.hi, c)
	return uint128{hi, lo}
}

func (u uint128) sub(v uint128) uint128 {
	lo, b := bits.Sub64(u.lo, v.lo, 0)
	hi, _ := bits.Sub64(u.hi, v.hi, b)
	return uint128{hi, lo}
}

func (u uint128) sub1() uint128 { return u.sub(uint128{lo: 1}) }

func (u uint128) less(v uint128) bool {
	return u.hi < v.hi || u.hi == v.hi && u.lo < v.lo
}
