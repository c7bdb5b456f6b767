package generator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// An instance is a profile running on a machine: a declared service, or
// one pulled in by another's `requires`.
type instance struct {
	name    string
	profile *profiles.Profile
	params  map[string]cty.Value
	// declRange is the service block; for a required profile, the block of
	// the service that required it.
	declRange  hcl.Range
	requiredBy string
}

func (in *instance) owner() string {
	if in.requiredBy != "" {
		return fmt.Sprintf("profile %q (required by service %q)", in.profile.Name, in.requiredBy)
	}
	return fmt.Sprintf("service %q (profile %s)", in.name, in.profile.Name)
}

// instancesOn returns the services of a machine plus the profiles they
// require, transitively. A requirement is met by any service on the same
// machine with that profile; otherwise the profile is added under its own
// name with its default parameters.
func instancesOn(dep *config.Deployment, m *config.Machine, cat *profiles.Catalogue) ([]*instance, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var list []*instance
	byName := map[string]*instance{}
	byProfile := map[string]bool{}
	for _, s := range dep.ServicesOn(m) {
		in := &instance{name: s.Name, profile: s.Profile, params: s.Params, declRange: s.DeclRange}
		list = append(list, in)
		byName[in.name] = in
		byProfile[in.profile.Name] = true
	}
	for i := 0; i < len(list); i++ {
		in := list[i]
		for _, req := range in.profile.Requires {
			if byProfile[req] {
				continue
			}
			p, ok := cat.Lookup(req)
			if !ok {
				continue // reported when the catalogue was loaded
			}
			if clash := byName[req]; clash != nil {
				diags = append(diags, errorAt(clash.declRange, "Service name taken by a required profile",
					"%s requires profile %q on machine %q, which freecloud adds as a service named %q; but this service already has that name with profile %q. Rename it.",
					in.owner(), req, m.Name, req, clash.profile.Name))
				continue
			}
			params := map[string]cty.Value{}
			missing := false
			for _, param := range p.Params {
				if param.Required() {
					diags = append(diags, errorAt(in.declRange, "Required profile needs parameters",
						"%s requires profile %q on machine %q, and its parameter %q has no default. Declare it yourself:\n\n  service %q {\n    profile = %q\n    machine = machine.%s\n    with    = { %s = ... }\n  }",
						in.owner(), req, m.Name, param.Name, req, req, m.Name, param.Name))
					missing = true
					continue
				}
				params[param.Name] = param.Default
			}
			if missing {
				continue
			}
			added := &instance{name: req, profile: p, params: params, declRange: in.declRange, requiredBy: in.name}
			list = append(list, added)
			byName[req] = added
			byProfile[req] = true
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list, diags
}

// configuration builds a machine's configuration.nix: everything that does
// not depend on where the machine runs.
func configuration(dep *config.Deployment, m *config.Machine, instances []*instance) (nix.Expr, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	tree := newOptionTree()
	base := fmt.Sprintf("freecloud (machine %q)", m.Name)
	set := func(path string, value nix.Expr, owner string, rng hcl.Range) {
		if err := tree.set(nil, strings.Split(path, "."), value, owner); err != nil {
			diags = append(diags, errorAt(rng, "Conflicting NixOS options",
				"On machine %q, %s. Change one of them, or move one service to another machine.", m.Name, err))
		}
	}

	set("networking.hostName", nix.String(m.Name), base, m.DeclRange)
	set("system.stateVersion", nix.String(m.StateVersion), base, m.DeclRange)
	if len(m.Admins) > 0 {
		keys := make(nix.List, len(m.Admins))
		for i, k := range m.Admins {
			keys[i] = nix.String(k)
		}
		set("users.users.root.openssh.authorizedKeys.keys", keys, base, m.DeclRange)
	}
	tcp, udp := publicPorts(instances)
	if len(tcp) > 0 {
		set("networking.firewall.allowedTCPPorts", tcp, base, m.DeclRange)
	}
	if len(udp) > 0 {
		set("networking.firewall.allowedUDPPorts", udp, base, m.DeclRange)
	}

	for _, in := range instances {
		for _, s := range in.profile.Secrets {
			before := make(nix.List, len(s.Before))
			for i, u := range s.Before {
				before[i] = nix.String(u)
			}
			set("freecloud.secrets", nix.Attrs{{Path: []string{in.name, s.Name}, Value: nix.Attrs{
				{Path: []string{"generate"}, Value: nix.String(s.Generate)},
				{Path: []string{"length"}, Value: nix.Int(s.Length)},
				{Path: []string{"owner"}, Value: nix.String(s.Owner)},
				{Path: []string{"group"}, Value: nix.String(s.Group)},
				{Path: []string{"mode"}, Value: nix.String(s.Mode)},
				{Path: []string{"before"}, Value: before},
			}}}, in.owner(), in.declRange)
		}
		tree, d := in.profile.Render(profiles.Instance{Service: in.name, Machine: m.Name, Params: in.params})
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		for it := tree.ElementIterator(); it.Next(); {
			k, v := it.Element()
			option := k.AsString()
			if !validOptionPath(option) {
				diags = append(diags, errorAt(in.profile.NixOS.Range(), "Invalid NixOS option path",
					"Profile %q sets %q: the keys of nixos are option paths like \"services.nginx\".", in.profile.Name, option))
				continue
			}
			expr, err := nix.FromCty(v)
			if err != nil {
				diags = append(diags, errorAt(in.declRange, "Value cannot be written as Nix",
					"%s, option %s: %s.", in.owner(), option, err))
				continue
			}
			set(option, expr, in.owner(), in.declRange)
		}
	}

	bindings := nix.Attrs{{
		Path: []string{"imports"},
		Value: nix.List{
			nix.Path("../../modules/base.nix"),
			nix.Path("../../modules/secrets.nix"),
		},
	}}
	bindings = append(bindings, tree.moduleBindings()...)
	return nix.Lambda{Formals: []string{"config", "lib", "pkgs"}, Ellipsis: true, Body: bindings}, diags
}

func validOptionPath(p string) bool {
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return false
		}
	}
	return true
}

// publicPorts collects the ports the firewall opens: only those a profile
// exposes publicly.
func publicPorts(instances []*instance) (tcp, udp nix.List) {
	seen := map[string]map[int]bool{"tcp": {}, "udp": {}}
	for _, in := range instances {
		for _, e := range in.profile.Expose {
			if e.Public {
				seen[e.Protocol][e.Port] = true
			}
		}
	}
	ports := func(set map[int]bool) nix.List {
		var list []int
		for p := range set {
			list = append(list, p)
		}
		sort.Ints(list)
		out := make(nix.List, len(list))
		for i, p := range list {
			out[i] = nix.Int(p)
		}
		return out
	}
	return ports(seen["tcp"]), ports(seen["udp"])
}

// hardware builds a machine's hardware.nix: the provider layer and nothing
// else, so that moving a machine changes only this file.
func hardware(m *config.Machine) nix.Expr {
	body := nix.Attrs{
		{Path: []string{"imports"}, Value: nix.List{nix.Path("../../modules/" + m.Provider.Kind.Hardware)}},
		{Path: []string{"nixpkgs", "hostPlatform"}, Value: nix.String(m.Platform)},
	}
	if len(m.Disks) > 0 {
		fs := nix.Attrs{}
		for _, d := range m.Disks {
			fs = append(fs, nix.Binding{Path: []string{d.Mount}, Value: nix.Attrs{
				{Path: []string{"device"}, Value: nix.String("/dev/disk/by-label/" + d.Name)},
				{Path: []string{"fsType"}, Value: nix.String("ext4")},
				// nofail: a missing data disk must not keep the machine
				// from booting and becoming reachable.
				{Path: []string{"options"}, Value: nix.List{nix.String("nofail")}},
			}})
		}
		body = append(body, nix.Binding{Path: []string{"fileSystems"}, Value: fs})
	}
	return nix.Lambda{Ellipsis: true, Body: body}
}

func errorAt(rng hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr()}
}
