// Package garage keeps the layout of a Garage cluster (the S3 store of the
// "garage" profile) in step with the deployment: it checks the nodes a
// service declares, reads what the garage CLI prints on a node, and works
// out the `garage layout` commands that move the cluster's layout to the
// declared one. It runs nothing itself: apply runs Plan.Script on one node
// over SSH, so this package stays pure and testable.
//
// The CLI is the interface rather than the admin HTTP API because it is
// what a node already has (the NixOS module puts a `garage` wrapper on
// PATH that reads /etc/garage.toml and the rpc_secret_file), so nothing
// extra is exposed or authenticated.
//
// What the code relies on, and where it was checked (the Garage sources
// were read, none of their code is used here):
//
//   - nixpkgs (Swarsel/nixpkgs 4aa6836a648ca76c68866decf0c8965e36ec2a3b),
//     pkgs/tools/filesystems/garage/default.nix: garage_2 is Garage 2.3.0
//     (plain `garage` is still garage_1, 1.3.1); nixos/modules/services/
//     web-servers/garage.nix: config in /etc/garage.toml, metadata_dir
//     /var/lib/garage/meta by default.
//   - Garage's sources (github.com/deuxfleurs-org/garage, the mirror of
//     git.deuxfleurs.fr/Deuxfleurs/garage) at tag v2.0.0 (b91a620b) and
//     branch main-v2 (f04af181, June 2025); 2.1 to 2.3 are not in the
//     mirror, so their output is assumed unchanged and the parsers name
//     the line they do not know rather than guess. Files:
//     src/garage/cli/structs.rs (flags), cli/remote/layout.rs and
//     cli/remote/cluster.rs (what `layout show` and `status` print),
//     cli/local/init.rs (`node id`), src/format-table/lib.rs (tables),
//     src/rpc/layout/version.rs and history.rs (apply's checks),
//     src/api/admin/layout.rs (staged changes), doc/book/cookbook/
//     real-world.md and operations/layout.md.
//   - bytesize (github.com/hyunsik/bytesize v1.3.0; Garage locks 1.3.2),
//     which parses -c and prints capacities.
//
// The facts that shaped the code:
//
//   - `garage node id -q` reads metadata_dir/node_key.pub and prints the
//     node id, 64 hex digits (an ed25519 public key), followed by
//     @rpc_public_addr when the config has one.
//   - `garage layout assign` takes node ids as a list, and -t/--tag as a
//     list too: the CLI's clap 2 lets a list option swallow every value
//     up to the next flag, so `-t nas1 <id>` would make the id a second
//     tag. The node id therefore comes first, as Garage's own cookbook
//     writes it: `garage layout assign <id> -z <zone> -c <cap> -t <tag>`.
//     An id may be any unique prefix of a node the cluster knows (one in
//     `garage status` or in the layout); an unknown one fails with
//     "0 nodes match".
//   - -c is a decimal size: 100G is 100·10^9 bytes (GiB would be 100Gi).
//     Garage prints capacities rounded to one decimal in decimal units
//     ("500.0 GB"; 1 TB prints as "1000.0 GB"), so a capacity read back
//     is only known to that precision (Role.CapacityMatches).
//   - `layout show` and `status` print node ids cut to 16 hex digits.
//   - `garage layout apply --version N` refuses any N but current+1
//     ("Invalid new layout version"), and a layout with fewer storage
//     nodes than the replication factor. It does not refuse fewer zones
//     than the replication factor: with the default zone redundancy,
//     "maximum", Garage then keeps several copies in one zone. Check
//     refuses that instead, so a lost location never loses data.
//   - `garage layout revert` needs --yes, drops every staged role change
//     and staged parameter, and keeps the version.
//   - `garage layout remove <id>` stages the removal of one node's role.
package garage

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// A Node is a machine of the cluster as the deployment declares it.
type Node struct {
	// Machine is the machine's name in the deployment; it is also the
	// node's tag in the layout, so that `garage layout show` names it.
	Machine string
	// ID is the node's full id, 64 hex digits, as `garage node id -q`
	// prints it; "" while it has not been collected from the host.
	ID string
	// Zone is where the node is: nodes in one zone may fail together, so
	// Garage keeps the copies of an object in different zones.
	Zone string
	// CapacityGB is the storage the node offers, in GB (10^9 bytes).
	CapacityGB int64
}

// ShortIDLen is how many hex digits of a node id `garage layout show` and
// `garage status` print.
const ShortIDLen = 16

var (
	fullIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// nameRe is what a zone or a tag may be: it must survive the CLI's
	// argument parsing (no leading dash), the comma-joined tag list and
	// the space-aligned tables.
	nameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
)

// Check refuses a cluster Garage could not run safely: a replication factor
// below 1, nodes without storage, two nodes with one id, and fewer zones
// than copies. It reports every problem at once.
func Check(nodes []Node, replication int) error {
	var errs []error
	if replication < 1 {
		errs = append(errs, fmt.Errorf("garage: replication is %d; it is the number of copies Garage keeps of every object, at least 1 (3 is usual)", replication))
	}
	byID := map[string]string{}
	byShort := map[string]string{}
	for _, n := range nodes {
		if !nameRe.MatchString(n.Machine) {
			errs = append(errs, fmt.Errorf("garage: machine name %q cannot be a Garage tag: use letters, digits, '.', '_' and '-'", n.Machine))
		}
		if !nameRe.MatchString(n.Zone) {
			errs = append(errs, fmt.Errorf("garage: %s: zone %q is not a valid zone name: use letters, digits, '.', '_' and '-', not starting with '-' (the zone is the machine's location unless the service declares one)", n.Machine, n.Zone))
		}
		if n.CapacityGB <= 0 {
			errs = append(errs, fmt.Errorf("garage: %s offers no storage (capacity %d GB): a node's capacity comes from the disk it contributes to the cluster; give %s a data disk, or take it out of the service", n.Machine, n.CapacityGB, n.Machine))
		}
		if n.ID == "" {
			continue
		}
		if !fullIDRe.MatchString(n.ID) {
			errs = append(errs, fmt.Errorf("garage: %s: node id %q is not 64 lowercase hex digits; collect it again from `garage node id -q`", n.Machine, n.ID))
			continue
		}
		if other, ok := byID[n.ID]; ok {
			errs = append(errs, fmt.Errorf("garage: %s and %s have the same node id %s: one was probably cloned from the other; delete node_key and node_key.pub in /var/lib/garage/meta on one of them, restart garage there and apply again", other, n.Machine, n.ID[:ShortIDLen]))
			continue
		}
		if other, ok := byShort[n.ID[:ShortIDLen]]; ok {
			errs = append(errs, fmt.Errorf("garage: %s and %s have node ids starting with the same %d digits (%s), which Garage's tables cannot tell apart; delete node_key and node_key.pub in /var/lib/garage/meta on one of them, restart garage there and apply again", other, n.Machine, ShortIDLen, n.ID[:ShortIDLen]))
		}
		byID[n.ID] = n.Machine
		byShort[n.ID[:ShortIDLen]] = n.Machine
	}
	if replication >= 1 {
		if err := checkZones(nodes, replication); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkZones refuses fewer zones than copies: Garage would accept it and
// put two copies of some objects in one zone, which one lost location
// would then take away together.
func checkZones(nodes []Node, replication int) error {
	members := map[string][]string{}
	for _, n := range nodes {
		members[n.Zone] = append(members[n.Zone], n.Machine)
	}
	if len(members) >= replication {
		return nil
	}
	zones := make([]string, 0, len(members))
	for z := range members {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	found := "it has no nodes"
	if len(zones) > 0 {
		parts := make([]string, len(zones))
		for i, z := range zones {
			sort.Strings(members[z])
			parts[i] = fmt.Sprintf("%s (%s)", z, strings.Join(members[z], ", "))
		}
		found = fmt.Sprintf("its nodes are in %d %s: %s", len(zones), plural(len(zones), "zone", "zones"), strings.Join(parts, "; "))
	}
	lower := ""
	if len(zones) >= 1 {
		lower = fmt.Sprintf(", or lower replication to %d", len(zones))
	}
	return fmt.Errorf("garage: the cluster keeps %d copies of every object, each in a different zone, but %s; add nodes in other locations, declare the zones of machines that fail independently (zones = { <machine> = \"<zone>\" })%s", replication, found, lower)
}

// ParseNodeID reads what `garage node id -q` prints, "<id>@<address>" or
// the bare id when the node's config has no rpc_public_addr, and returns
// the id.
func ParseNodeID(out string) (string, error) {
	s := strings.TrimSpace(out)
	if s == "" {
		return "", errors.New("garage node id printed nothing: is garage installed, and has the garage service run once (it creates the node key)?")
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("garage node id printed several lines, not one \"<id>@<address>\": %q", s)
	}
	id, addr, hasAddr := strings.Cut(s, "@")
	if hasAddr && addr == "" {
		return "", fmt.Errorf("garage node id printed %q: the address after @ is empty", s)
	}
	if !fullIDRe.MatchString(id) {
		return "", fmt.Errorf("garage node id printed %q: the id before @ is not 64 lowercase hex digits", s)
	}
	return id, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
