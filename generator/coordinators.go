package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/storage/garage"
	"github.com/freecloud/freecloud/storage/zpool"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The storage coordinators (profiles.Coordinators).
const (
	GarageCoordinator = "garage"
	ZpoolCoordinator  = "zfs-pool"
)

// Roles of the zfs-pool coordinator's profile.
const (
	ProviderRole = "provider"
	ConsumerRole = "consumer"
)

// GarageNodes are the nodes of a garage service as the deployment wants
// them: each member's zone (declared in the zones parameter, else its
// location, else its provider block for bare metal: one site) and
// capacity (declared in capacity_gb, else the size of the disk the disk
// parameter names), with its node id once collected.
func GarageNodes(dep *config.Deployment, s *config.Service) ([]garage.Node, int, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	zones := stringMap(s.Params["zones"])
	capacities := numberMap(s.Params["capacity_gb"])
	disk := s.Params["disk"].AsString()
	var nodes []garage.Node
	for _, mem := range s.Members {
		m := mem.Machine
		if dep.MeshAddress(m) == "" {
			diags = append(diags, errorAt(serviceRange(s), "Garage node outside the mesh",
				"Service %q: machine %q is in no wireguard-mesh service, and Garage's RPC runs over the mesh only. Add it to the mesh's machines.", s.Name, m.Name))
			continue
		}
		n := garage.Node{Machine: m.Name, ID: dep.Fact(m, s.Name, garageIDFact), Zone: zones[m.Name], CapacityGB: capacities[m.Name]}
		if n.Zone == "" {
			n.Zone = m.Location
		}
		if n.Zone == "" {
			n.Zone = m.Provider.Name
		}
		if _, set := capacities[m.Name]; !set {
			d := m.Disk(disk)
			if d == nil || d.SizeGB <= 0 {
				diags = append(diags, errorAt(serviceRange(s), "Garage node without capacity",
					"Service %q: machine %q contributes no disk %q with a size, and capacity_gb does not give its capacity. Add disks = [{ name = %q, size = <GB>, mount = ... }] to the machine, or capacity_gb = { %s = <GB> } to the service.",
					s.Name, m.Name, disk, disk, m.Name))
				continue
			}
			n.CapacityGB = int64(d.SizeGB)
		}
		nodes = append(nodes, n)
	}
	replication := intParam(s.Params["replication"])
	if !diags.HasErrors() {
		if err := garage.Check(nodes, replication); err != nil {
			diags = append(diags, errorAt(serviceRange(s), "Garage layout refused", "Service %q: %s.", s.Name, strings.TrimSuffix(err.Error(), ".")))
		}
	}
	return nodes, replication, diags
}

// garageIDFact is the fact a garage profile collects: each node's id.
const garageIDFact = "node_id"

// garageValues are the garage coordinator's cluster.*: the member's zone
// and capacity as the layout gives them.
func garageValues(dep *config.Deployment, s *config.Service, m *config.Machine) (map[string]cty.Value, hcl.Diagnostics) {
	nodes, _, diags := GarageNodes(dep, s)
	out := map[string]cty.Value{}
	for _, n := range nodes {
		if n.Machine == m.Name {
			out["zone"] = cty.StringVal(n.Zone)
			out["capacity_gb"] = cty.NumberIntVal(n.CapacityGB)
		}
	}
	if len(out) == 0 {
		out["zone"], out["capacity_gb"] = cty.StringVal(""), cty.NumberIntVal(0)
	}
	return out, diags
}

// ZpoolPlacement places the volumes of a zfs-pool service's consumers on
// its providers (package zpool), keeping the placement state recorded and
// honouring the service's sovereignty rule for every provider. It is
// worked out once per deployment: every member's configuration needs it.
func ZpoolPlacement(dep *config.Deployment, s *config.Service) (zpool.Placement, hcl.Diagnostics) {
	type placed struct {
		p     zpool.Placement
		diags hcl.Diagnostics
	}
	r := dep.Memo(struct {
		kind string
		s    *config.Service
	}{"zpool placement", s}, func() any {
		p, diags := placeVolumes(dep, s)
		return placed{p, diags}
	}).(placed)
	return r.p, r.diags
}

func placeVolumes(dep *config.Deployment, s *config.Service) (zpool.Placement, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	disk := s.Params["disk"].AsString()
	var in zpool.Input
	in.Ratio, _ = s.Params["ratio"].AsBigFloat().Float64()
	in.OverheadGB = int64(intParam(s.Params["overhead_gb"]))
	for _, mem := range s.Members {
		m := mem.Machine
		switch addr := dep.MeshAddress(m); {
		case addr == "":
			diags = append(diags, errorAt(serviceRange(s), "Pool member outside the mesh",
				"Service %q: machine %q is in no wireguard-mesh service, and the pool's volumes travel over the mesh only. Add it to the mesh's machines.", s.Name, m.Name))
		case strings.Contains(addr, ":"):
			diags = append(diags, errorAt(serviceRange(s), "Pool over an IPv6 mesh",
				"Service %q: machine %q's mesh address is %s. The pool's iSCSI portals take IPv4 addresses only (modules/zpool.nix): give its mesh an IPv4 cidr, like \"10.77.0.0/24\".", s.Name, m.Name, addr))
		}
		if hasRole(mem, ProviderRole) {
			d := m.Disk(disk)
			if d == nil || d.Format != config.DiskRaw || d.SizeGB <= 0 {
				diags = append(diags, errorAt(serviceRange(s), "Volume provider without a raw disk",
					"Service %q: machine %q provides volumes from its disk %q, which must be declared raw with a size: disks = [{ name = %q, size = <GB>, format = \"raw\" }]. freecloud makes a ZFS pool of it.", s.Name, m.Name, disk, disk))
				continue
			}
			in.Providers = append(in.Providers, zpool.Provider{Machine: m.Name, Location: m.Location, Country: m.Country, CapacityGB: int64(d.SizeGB)})
		}
		if hasRole(mem, ConsumerRole) {
			in.Consumers = append(in.Consumers, zpool.Consumer{Machine: m.Name})
		}
	}
	for _, v := range dep.Facts.Volumes {
		if v.Service == s.Name {
			in.Previous = append(in.Previous, zpool.Volume{Consumer: v.Consumer, Provider: v.Provider, SizeGB: v.SizeGB})
		}
	}
	if dep.Sovereignty != nil {
		rule := dep.Sovereignty.Rule(s.Name)
		in.Eligible = func(_, provider string) string {
			violations, err := rule.Check(dep.Placement(dep.Machine(provider)))
			if err != nil {
				return err.Error()
			}
			if len(violations) > 0 {
				return strings.TrimSuffix(violations[0].Reason(), ".")
			}
			return ""
		}
	}
	if diags.HasErrors() {
		return zpool.Placement{}, diags
	}
	p, err := zpool.Place(in)
	if err != nil {
		diags = append(diags, errorAt(serviceRange(s), "Pool volumes cannot be placed", "Service %q: %s", s.Name, err))
	}
	return p, diags
}

// zpoolValues are the zfs-pool coordinator's cluster.*: the member's
// iSCSI initiator name, the volumes it exports to others and the volumes
// its own pool is made of.
func zpoolValues(dep *config.Deployment, s *config.Service, m *config.Machine) (map[string]cty.Value, hcl.Diagnostics) {
	placement, diags := ZpoolPlacement(dep, s)
	exportType := cty.Object(map[string]cty.Type{"name": cty.String, "size_gb": cty.Number, "target": cty.String, "initiator": cty.String})
	importType := cty.Object(map[string]cty.Type{"provider": cty.String, "portal": cty.String, "target": cty.String, "size_gb": cty.Number})
	var exports, imports []cty.Value
	for _, pool := range placement.Pools {
		for _, v := range pool.Volumes {
			if v.Provider == m.Name {
				exports = append(exports, cty.ObjectVal(map[string]cty.Value{
					"name":      cty.StringVal(ZvolName(s.Name, v.Consumer)),
					"size_gb":   cty.NumberIntVal(v.SizeGB),
					"target":    cty.StringVal(TargetIQN(s.Name, v.Provider, v.Consumer)),
					"initiator": cty.StringVal(InitiatorIQN(s.Name, v.Consumer)),
				}))
			}
			if v.Consumer == m.Name {
				imports = append(imports, cty.ObjectVal(map[string]cty.Value{
					"provider": cty.StringVal(v.Provider),
					"portal":   cty.StringVal(Portal(dep.MeshAddress(dep.Machine(v.Provider)))),
					"target":   cty.StringVal(TargetIQN(s.Name, v.Provider, v.Consumer)),
					"size_gb":  cty.NumberIntVal(v.SizeGB),
				}))
			}
		}
	}
	sort.Slice(exports, func(i, j int) bool {
		return exports[i].GetAttr("name").AsString() < exports[j].GetAttr("name").AsString()
	})
	list := func(vals []cty.Value, ty cty.Type) cty.Value {
		if len(vals) == 0 {
			return cty.ListValEmpty(ty)
		}
		return cty.ListVal(vals)
	}
	return map[string]cty.Value{
		"initiator":     cty.StringVal(InitiatorIQN(s.Name, m.Name)),
		"exports":       list(exports, exportType),
		"imports":       list(imports, importType),
		"provider_pool": cty.StringVal(ProviderPool(s.Name)),
		"pool":          cty.StringVal(s.Name),
	}, diags
}

// iqnPrefix names freecloud's iSCSI nodes (RFC 3720 iqn. names: a date
// and a reversed domain, then anything unique).
const iqnPrefix = "iqn.2026-11.org.freecloud:"

// InitiatorIQN is the iSCSI name a consumer logs in with.
func InitiatorIQN(service, consumer string) string { return iqnPrefix + service + "." + consumer }

// TargetIQN is the iSCSI target a provider exports a consumer's volume as.
func TargetIQN(service, provider, consumer string) string {
	return iqnPrefix + service + "." + provider + "." + consumer
}

// ZvolName is the zvol holding a consumer's volume in its provider's pool.
func ZvolName(service, consumer string) string { return service + "-" + consumer }

// ProviderPool is the ZFS pool a provider makes of its raw disk.
func ProviderPool(service string) string { return service + "-volumes" }

// Portal is where a provider's iSCSI target listens: its mesh address.
func Portal(meshAddress string) string {
	if strings.Contains(meshAddress, ":") {
		return "[" + meshAddress + "]:3260"
	}
	return meshAddress + ":3260"
}

// DevicePath is where a consumer's volume appears once logged into, as
// udev names an iSCSI disk (modules/zpool.nix waits for the same path).
func DevicePath(portal, target string) string {
	return "/dev/disk/by-path/ip-" + portal + "-iscsi-" + target + "-lun-0"
}

func hasRole(mem *config.Member, role string) bool {
	for _, r := range mem.Roles {
		if r == role {
			return true
		}
	}
	return false
}

func intParam(v cty.Value) int {
	if v == cty.NilVal || v.IsNull() || v.Type() != cty.Number {
		return 0
	}
	n, _ := v.AsBigFloat().Int64()
	return int(n)
}

func stringMap(v cty.Value) map[string]string {
	out := map[string]string{}
	if v == cty.NilVal || v.IsNull() {
		return out
	}
	for k, e := range v.AsValueMap() {
		out[k] = e.AsString()
	}
	return out
}

func numberMap(v cty.Value) map[string]int64 {
	out := map[string]int64{}
	if v == cty.NilVal || v.IsNull() {
		return out
	}
	for k, e := range v.AsValueMap() {
		n, _ := e.AsBigFloat().Int64()
		out[k] = n
	}
	return out
}

// LayoutDigest identifies the layout declared for a garage service: its
// replication and every node with an id, zone and capacity. apply records
// it once applied, so that a plan knows whether there is layout work.
func LayoutDigest(nodes []garage.Node, replication int) string {
	lines := []string{fmt.Sprintf("replication %d", replication)}
	for _, n := range nodes {
		if n.ID != "" {
			lines = append(lines, fmt.Sprintf("%s %s %s %d", n.Machine, n.ID, n.Zone, n.CapacityGB))
		}
	}
	sort.Strings(lines[1:])
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}
