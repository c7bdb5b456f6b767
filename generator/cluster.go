package generator

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/mesh"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// clusterValue is cluster.* for member m of a service that spans
// machines: every member as the profile may use it (sorted by machine),
// and what the service's coordinator works out for m (coordinator.go).
// Only public facts go in: the generated flake lands in the world-readable
// Nix store.
func clusterValue(dep *config.Deployment, s *config.Service, m *config.Machine) (cty.Value, hcl.Diagnostics) {
	others := dep.Memo(struct {
		kind string
		s    *config.Service
	}{"cluster members", s}, func() any {
		values := make([]cty.Value, len(s.Members))
		for i, mem := range s.Members {
			values[i] = memberValue(dep, s, mem, false)
		}
		return values
	}).([]cty.Value)
	members := slices.Clone(others)
	attrs := map[string]cty.Value{}
	for i, mem := range s.Members {
		if mem.Machine == m {
			members[i] = memberValue(dep, s, mem, true)
			attrs["self"] = members[i]
		}
	}
	attrs["members"] = cty.ListVal(members)
	extra, diags := coordinate(dep, s, m)
	for k, v := range extra {
		attrs[k] = v
	}
	return cty.ObjectVal(attrs), diags
}

// memberValue is one element of cluster.members.
func memberValue(dep *config.Deployment, s *config.Service, mem *config.Member, self bool) cty.Value {
	m := mem.Machine
	facts := map[string]cty.Value{}
	for _, c := range s.Profile.Collects {
		facts[c.Name] = nullable(dep.Fact(m, s.Name, c.Name))
	}
	disks := map[string]cty.Value{}
	for _, d := range m.Disks {
		disks[d.Name] = cty.ObjectVal(map[string]cty.Value{
			"mount":   nullable(d.Mount),
			"format":  cty.StringVal(d.Format),
			"size_gb": cty.NumberIntVal(int64(d.SizeGB)),
		})
	}
	public := dep.PublicAddress(m)
	return cty.ObjectVal(map[string]cty.Value{
		"machine":        cty.StringVal(m.Name),
		"roles":          stringListVal(mem.Roles),
		"self":           cty.BoolVal(self),
		"mesh_address":   nullable(dep.MeshAddress(m)),
		"public_address": nullable(public),
		"behind_nat":     cty.BoolVal(behindNAT(m, public)),
		"location":       cty.StringVal(m.Location),
		"country":        cty.StringVal(m.Country),
		"facts":          cty.ObjectVal(facts),
		"disks":          cty.ObjectVal(disks),
	})
}

// behindNAT tells whether a machine cannot be reached from the internet
// at its public address: unknown, private, or behind a bastion (ssh_jump
// says the machine is not reachable directly).
func behindNAT(m *config.Machine, public string) bool {
	return m.Jump != nil || mesh.BehindNAT(public)
}

// coordinate is what a service's coordinator adds to cluster.* for member
// m, with the problems it finds in the service as a whole (reported by
// the first member only, so that they are told once).
func coordinate(dep *config.Deployment, s *config.Service, m *config.Machine) (map[string]cty.Value, hcl.Diagnostics) {
	var extra map[string]cty.Value
	var diags hcl.Diagnostics
	switch s.Profile.Cluster {
	case config.MeshCoordinator:
		extra, diags = meshValues(dep, s, m)
	case GarageCoordinator:
		extra, diags = garageValues(dep, s, m)
	case ZpoolCoordinator:
		extra, diags = zpoolValues(dep, s, m)
	}
	if s.Members[0].Machine != m {
		diags = nil
	}
	return extra, diags
}

// meshValues are the mesh coordinator's cluster.*: the member's own
// address and prefix length, its peers and whether its port is open to
// the internet (package mesh decides all three).
func meshValues(dep *config.Deployment, s *config.Service, m *config.Machine) (map[string]cty.Value, hcl.Diagnostics) {
	members := meshMembers(dep, s)
	var diags hcl.Diagnostics
	// The service's problems are told once, with its first member.
	if s.Members[0].Machine == m {
		diags = isolatedWarning(s, members)
	}
	prefix := netip.MustParsePrefix(s.Params["cidr"].AsString())
	var peers []cty.Value
	for _, p := range mesh.Peers(m.Name, members) {
		allowed := make([]cty.Value, len(p.AllowedIPs))
		for i, a := range p.AllowedIPs {
			allowed[i] = cty.StringVal(a)
		}
		peers = append(peers, cty.ObjectVal(map[string]cty.Value{
			"machine":     cty.StringVal(p.Name),
			"public_key":  cty.StringVal(p.PublicKey),
			"allowed_ips": cty.ListVal(allowed),
			"endpoint":    nullable(p.Endpoint),
			"keepalive":   cty.NumberIntVal(int64(p.Keepalive)),
		}))
	}
	peerList := cty.ListValEmpty(peerType)
	if len(peers) > 0 {
		peerList = cty.ListVal(peers)
	}
	return map[string]cty.Value{
		"address":       cty.StringVal(s.MeshAddresses[m.Name]),
		"prefix_length": cty.NumberIntVal(int64(prefix.Bits())),
		"peers":         peerList,
		"listens":       cty.BoolVal(mesh.Listens(m.Name, members)),
		"forwards":      cty.BoolVal(mesh.Forwards(m.Name, members)),
	}, diags
}

// isolatedWarning warns about the mesh members behind NAT that cannot
// reach each other: no relay serves them.
func isolatedWarning(s *config.Service, members []mesh.Member) hcl.Diagnostics {
	isolated := mesh.Isolated(members)
	if len(isolated) == 0 {
		return nil
	}
	pairs := make([]string, len(isolated))
	for i, p := range isolated {
		pairs[i] = p[0] + " and " + p[1]
	}
	return hcl.Diagnostics{&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Mesh members that cannot reach each other",
		Detail:  fmt.Sprintf("Service %q: %s are behind NAT at different sites, and the mesh has no member with a public address and an IPv4 mesh address to relay between them. Add one (a small cloud server will do), or give them addresses they can reach each other at.", s.Name, strings.Join(pairs, ", ")),
		Subject: serviceRange(s).Ptr()}}
}

var peerType = cty.Object(map[string]cty.Type{
	"machine": cty.String, "public_key": cty.String, "allowed_ips": cty.List(cty.String), "endpoint": cty.String, "keepalive": cty.Number,
})

// meshMembers are a mesh service's members as package mesh sees them. A
// machine behind a bastion has no public address for its peers, whatever
// its SSH address is.
func meshMembers(dep *config.Deployment, s *config.Service) []mesh.Member {
	port := 0
	if v, ok := s.Params["port"]; ok && v.Type() == cty.Number && !v.IsNull() {
		n, _ := v.AsBigFloat().Int64()
		port = int(n)
	}
	var out []mesh.Member
	for _, mem := range s.Members {
		m := mem.Machine
		addr, _ := netip.ParseAddr(s.MeshAddresses[m.Name])
		public := dep.PublicAddress(m)
		if m.Jump != nil {
			public = ""
		}
		member := mesh.Member{Name: m.Name, Address: addr, Public: public, PublicKey: dep.Fact(m, s.Name, meshKeyFact), Port: port}
		// Machines of one bare-metal provider block share a site: an
		// office whose machines reach each other on their private
		// addresses, NAT or not towards the internet.
		if m.Provider.Kind != nil && m.Provider.Kind.Type == "baremetal" && m.Address != "" && mesh.BehindNAT(m.Address) {
			member.Site, member.Local = m.Provider.Address(), m.Address
		}
		out = append(out, member)
	}
	return out
}

// meshKeyFact is the fact a mesh profile collects: each member's
// WireGuard public key.
const meshKeyFact = "public_key"

func nullable(s string) cty.Value {
	if s == "" {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(s)
}

func stringListVal(list []string) cty.Value {
	if len(list) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// sortedMachines returns the names of machines, sorted.
func sortedMachines(members []*config.Member) []string {
	out := make([]string, len(members))
	for i, mem := range members {
		out[i] = mem.Machine.Name
	}
	sort.Strings(out)
	return out
}

func serviceRange(s *config.Service) hcl.Range {
	for _, attr := range []string{"roles", "machines", "machine"} {
		if r, ok := s.Ranges[attr]; ok {
			return r
		}
	}
	return s.DeclRange
}
