package profiles

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A Role is one part a machine plays in a service that spans several
// machines (a mesh peer, a storage node, a volume provider), the way
// clan's inventory assigns roles. A profile that declares roles may run
// on several machines; one without runs on one machine.
type Role struct {
	Name    string
	Summary string
	// Default is the role `machines = [...]` gives every listed machine.
	Default bool
	// NixOS holds the options only this role's members get, besides the
	// profile's own nixos tree; nil when the role adds none.
	NixOS     hcl.Expression
	DeclRange hcl.Range
}

// A Collect is a public fact freecloud reads from each member of a
// service after deploying it, over SSH, and keeps in state: a WireGuard
// public key, a Garage node id. The other members' configurations are
// generated from it, which is how a key made on one host reaches its
// peers without any private key leaving a host.
//
// The host publishes the fact as a file at FactPath, written by a unit
// the profile's nixos tree declares: reading a file is all freecloud
// does on the host, and the flake keeps working without freecloud.
type Collect struct {
	Name string
	// Role limits the collection to the members with that role; "" for
	// every member.
	Role string
	// Pattern is what a fact must look like: a host answering anything
	// else is refused rather than written into its peers' configuration.
	Pattern   *regexp.Regexp
	DeclRange hcl.Range
}

// Coordinators are the cluster coordinators freecloud knows: Go code that
// plans and applies what spans the machines of one service (package
// generator's cluster contexts and apply's cluster steps).
//
//   - mesh: allocates each member an address in the service's cidr
//     parameter (machine.<name>.mesh_address);
//   - garage: checks and applies the Garage cluster layout;
//   - zfs-pool: places each consumer's eight iSCSI volumes on providers.
var Coordinators = []string{"mesh", "garage", "zfs-pool"}

// CoordinatorParams are the parameters a coordinator reads, which a
// profile naming it must declare with these types.
var CoordinatorParams = map[string]map[string]cty.Type{
	"mesh":     {"cidr": cty.String},
	"garage":   {"replication": cty.Number, "zones": cty.Map(cty.String), "capacity_gb": cty.Map(cty.Number), "disk": cty.String},
	"zfs-pool": {"ratio": cty.Number, "overhead_gb": cty.Number, "disk": cty.String},
}

var roleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "summary", Required: true}, {Name: "default"}, {Name: "nixos"}},
}

var collectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "pattern", Required: true}, {Name: "role"}},
}

func decodeRole(b *hcl.Block) (*Role, hcl.Diagnostics) {
	content, diags := b.Body.Content(roleSchema)
	role := &Role{Name: b.Labels[0], DeclRange: b.DefRange}
	if !nameRe.MatchString(role.Name) {
		diags = append(diags, errorAt(b.LabelRanges[0], "Invalid role name",
			"Role names are lowercase words joined by dashes, like \"node\" or \"volume-provider\"."))
	}
	if content == nil {
		return role, diags
	}
	diags = append(diags, decodeAttr(content.Attributes["summary"], &role.Summary)...)
	diags = append(diags, decodeAttr(content.Attributes["default"], &role.Default)...)
	if attr := content.Attributes["nixos"]; attr != nil {
		role.NixOS = attr.Expr
	}
	return role, diags
}

func decodeCollect(b *hcl.Block) (*Collect, hcl.Diagnostics) {
	content, diags := b.Body.Content(collectSchema)
	c := &Collect{Name: b.Labels[0], DeclRange: b.DefRange}
	if !validIdentifier(c.Name) {
		diags = append(diags, errorAt(b.LabelRanges[0], "Invalid fact name",
			"Fact names are identifiers like public_key: the members' facts are read as cluster.members[*].facts.<name>."))
	}
	if content == nil {
		return c, diags
	}
	diags = append(diags, decodeAttr(content.Attributes["role"], &c.Role)...)
	var pattern string
	diags = append(diags, decodeAttr(content.Attributes["pattern"], &pattern)...)
	if attr := content.Attributes["pattern"]; attr != nil && pattern != "" {
		re, err := regexp.Compile(pattern)
		switch {
		case err != nil:
			diags = append(diags, errorAt(attr.Expr.Range(), "Invalid pattern", fmt.Sprintf("pattern is a regular expression (Go syntax): %s.", err)))
		case !strings.HasPrefix(pattern, "^") || !strings.HasSuffix(pattern, "$"):
			diags = append(diags, errorAt(attr.Expr.Range(), "Pattern must match the whole fact",
				"Start the pattern with ^ and end it with $: a fact goes into other hosts' configuration, so all of it must be checked."))
		default:
			c.Pattern = re
		}
	}
	return c, diags
}

// checkCluster checks what a profile says about the machines it spans:
// roles, the coordinator and the facts it collects.
func checkCluster(p *Profile, body *hcl.BodyContent) hcl.Diagnostics {
	var diags hcl.Diagnostics
	clusterAttr := body.Attributes["cluster"]
	if clusterAttr != nil {
		diags = append(diags, decodeAttr(clusterAttr, &p.Cluster)...)
		diags = append(diags, checkEnum(clusterAttr, p.Cluster, Coordinators)...)
	}
	defaults := 0
	for _, r := range p.Roles {
		if r.Default {
			defaults++
		}
	}
	if defaults > 1 {
		diags = append(diags, errorAt(p.DeclRange, "Several default roles",
			"At most one role has default = true: it is the role `machines = [...]` gives."))
	}
	if (p.Cluster != "" || len(p.Collects) > 0) && len(p.Roles) == 0 {
		diags = append(diags, errorAt(p.DeclRange, "Cluster profile without roles",
			"A profile with a coordinator or collected facts spans several machines: declare its roles, like role \"node\" { summary = \"...\", default = true }."))
	}
	if p.MultiInstance && len(p.Roles) > 0 {
		diags = append(diags, errorAt(p.DeclRange, "Roles and multi_instance do not mix",
			"A profile that spans machines runs once per machine; remove multi_instance."))
	}
	for _, c := range p.Collects {
		if c.Role != "" && p.Role(c.Role) == nil {
			diags = append(diags, errorAt(c.DeclRange, "Unknown role",
				fmt.Sprintf("collect %q is for role %q, which the profile does not declare.%s", c.Name, c.Role, lang.DidYouMean(c.Role, p.RoleNames()))))
		}
	}
	for name, ty := range CoordinatorParams[p.Cluster] {
		param := p.Param(name)
		if param == nil || !param.Type.Equals(ty) {
			diags = append(diags, errorAt(clusterAttr.Expr.Range(), "Coordinator parameter missing",
				fmt.Sprintf("The %s coordinator reads parameter %q of type %s; declare it in the profile.", p.Cluster, name, ty.FriendlyName())))
		}
	}
	for _, fact := range CoordinatorFacts[p.Cluster] {
		found := false
		for _, c := range p.Collects {
			found = found || c.Name == fact
		}
		if !found {
			diags = append(diags, errorAt(clusterAttr.Expr.Range(), "Coordinator fact not collected",
				fmt.Sprintf("The %s coordinator reads fact %q of every member; add collect %q { command = ..., pattern = ... }.", p.Cluster, fact, fact)))
		}
	}
	return diags
}

// Spans tells whether the profile may run on several machines.
func (p *Profile) Spans() bool { return len(p.Roles) > 0 }

// Role returns the named role, or nil.
func (p *Profile) Role(name string) *Role {
	for _, r := range p.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// DefaultRole is the role `machines = [...]` and `machine = ...` give:
// the one marked default, else the only one; nil when there is none.
func (p *Profile) DefaultRole() *Role {
	for _, r := range p.Roles {
		if r.Default {
			return r
		}
	}
	if len(p.Roles) == 1 {
		return p.Roles[0]
	}
	return nil
}

// RoleNames returns the names of the profile's roles, sorted.
func (p *Profile) RoleNames() []string {
	names := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		names[i] = r.Name
	}
	sort.Strings(names)
	return names
}

// CollectsFor returns the facts collected from a member with the given
// roles.
func (p *Profile) CollectsFor(roles []string) []*Collect {
	var out []*Collect
	for _, c := range p.Collects {
		if c.Role == "" || contains(roles, c.Role) {
			out = append(out, c)
		}
	}
	return out
}

// FactsDir holds the facts hosts publish, one directory per service.
const FactsDir = "/var/lib/freecloud/facts"

// FactPath is the file where a host publishes a fact of a service.
func FactPath(service, fact string) string { return FactsDir + "/" + service + "/" + fact }

// FactKey is the name under which state keeps a collected fact of a
// service on a host (state.Host.PublicKeys).
func FactKey(service, fact string) string { return service + "." + fact }

// CoordinatorFacts are the facts a coordinator reads from every member,
// which a profile naming it must collect.
var CoordinatorFacts = map[string][]string{
	"mesh":   {"public_key"},
	"garage": {"node_id"},
}
