package generator

import (
	"fmt"
	"sort"
	"strings"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/generator/nix"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/providers"
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
	// service is the declared service; nil for a required profile.
	service *config.Service
	// roles are the machine's roles in a service that spans machines.
	roles []string
}

// RenderService evaluates a declared service's profile on one of its
// machines as the generated configuration does, with cluster.* for a
// profile that spans machines.
func RenderService(dep *config.Deployment, s *config.Service, m *config.Machine) (*profiles.Rendered, hcl.Diagnostics) {
	in := &instance{name: s.Name, profile: s.Profile, params: s.Params, declRange: s.DeclRange, service: s, roles: s.Member(m).Roles}
	return in.render(dep, m)
}

// render evaluates the instance's profile on machine m, with cluster.*
// when the profile spans machines.
func (in *instance) render(dep *config.Deployment, m *config.Machine) (*profiles.Rendered, hcl.Diagnostics) {
	pi := profiles.Instance{Service: in.name, Machine: m.Name, Params: in.params, Roles: in.roles}
	var diags hcl.Diagnostics
	if in.service != nil && in.profile.Spans() {
		pi.Cluster, diags = clusterValue(dep, in.service, m)
		if diags.HasErrors() {
			return nil, diags
		}
	}
	r, d := in.profile.Render(pi)
	return r, append(diags, d...)
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
	byProfile := map[string]*instance{}
	for _, s := range dep.ServicesOn(m) {
		in := &instance{name: s.Name, profile: s.Profile, params: s.Params, declRange: s.DeclRange, service: s, roles: s.Member(m).Roles}
		if first := byProfile[s.Profile.Name]; first != nil && !s.Profile.MultiInstance {
			diags = append(diags, errorAt(s.DeclRange, "Profile runs once per machine",
				"Service %q uses profile %q on machine %q, like service %q: its NixOS module (%s) configures a single instance per machine. Put this service on another machine.",
				s.Name, s.Profile.Name, m.Name, first.name, s.Profile.Module))
			continue
		}
		list = append(list, in)
		byName[in.name] = in
		if byProfile[in.profile.Name] == nil {
			byProfile[in.profile.Name] = in
		}
	}
	for i := 0; i < len(list); i++ {
		in := list[i]
		for _, req := range in.profile.AllRequires() {
			if byProfile[req] != nil {
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
			byProfile[req] = added
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list, diags
}

// rendered is an instance with its profile evaluated.
type rendered struct {
	*instance
	*profiles.Rendered
}

// renderAll renders every instance of a machine; nothing is returned when
// one fails.
func renderAll(dep *config.Deployment, m *config.Machine, instances []*instance) ([]rendered, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var all []rendered
	for _, in := range instances {
		r, d := in.render(dep, m)
		diags = append(diags, d...)
		if !d.HasErrors() {
			all = append(all, rendered{in, r})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return all, diags
}

// machineOwner is how options freecloud itself sets on a machine are
// attributed in conflict messages.
func machineOwner(m *config.Machine) string { return fmt.Sprintf("freecloud (machine %q)", m.Name) }

// configuration builds a machine's configuration.nix: everything that does
// not depend on where the machine runs. secrets are the machine's
// (machineSecrets).
func configuration(m *config.Machine, all []rendered, secrets []machineSecret) (nix.Expr, hcl.Diagnostics) {
	diags := checkRoutes(m, all)

	tree := newOptionTree()
	base := machineOwner(m)
	set := func(path string, value nix.Expr, owner string, rng hcl.Range) {
		if err := tree.set(nil, strings.Split(path, "."), value, owner); err != nil {
			diags = append(diags, errorAt(rng, "Conflicting NixOS options",
				"On machine %q, %s. Change one of them, or move one service to another machine.", m.Name, err))
		}
	}

	set("networking.hostName", nix.String(m.Name), base, m.DeclRange)
	set("system.stateVersion", nix.String(m.StateVersion), base, m.DeclRange)
	if len(m.Admins) > 0 {
		set("users.users.root.openssh.authorizedKeys.keys", stringList(m.Admins), base, m.DeclRange)
	}
	for option, ports := range firewallPorts(all) {
		set(option, ports, base, m.DeclRange)
	}
	dbs := databases(all)
	for engine, names := range dbs {
		set("freecloud.databases."+engine, stringList(names), base, m.DeclRange)
	}
	if paths := statePaths(all); len(paths) > 0 || len(dbs) > 0 {
		if m.Backup == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "State without backup",
				Detail: fmt.Sprintf("Machine %q keeps state (%s) but has no backup. Add a backup block to the deployment, or backup = { repository = ... } to the machine.",
					m.Name, strings.Join(append(paths, dbNames(dbs)...), ", ")),
				Subject: m.DeclRange.Ptr(),
			})
		} else {
			set("freecloud.backup", backupOptions(m.Backup, paths, dbs), base, m.Backup.DeclRange)
		}
	}
	sealed := false
	for _, s := range secrets {
		set("freecloud.secrets", nix.Attrs{{Path: []string{s.service, s.spec.Name}, Value: secretOptions(s.spec, s.before)}}, s.owner, s.rng)
		sealed = sealed || s.spec.Decrypted()
	}
	if sealed {
		// The directory, not the files: configuration.nix stays the same
		// when a ciphertext is added, changed or re-sealed, and the module
		// looks for each file itself (modules/secrets.nix).
		set("freecloud.secretsCiphertexts", nix.Path("../../"+CiphertextDir+"/"+m.Name), base, m.DeclRange)
	}

	for _, r := range all {
		for _, route := range r.Routes {
			if route.Protocol != "http" {
				continue
			}
			site := nix.Attrs{}
			if route.Port != 0 {
				site = nix.Attrs{{Path: []string{"locations", route.Path, "port"}, Value: nix.Int(route.Port)}}
			}
			set("freecloud.web", nix.Attrs{{Path: []string{route.Domain}, Value: site}}, r.owner(), r.declRange)
		}
		for _, it := range optionEntries(r.Rendered) {
			option, v := it.option, it.value
			if !validOptionPath(option) {
				diags = append(diags, errorAt(r.profile.NixOS.Range(), "Invalid NixOS option path",
					"Profile %q sets %q: the keys of nixos are option paths like \"services.nginx\".", r.profile.Name, option))
				continue
			}
			expr, err := nix.FromCty(v)
			if err != nil {
				diags = append(diags, errorAt(r.declRange, "Value cannot be written as Nix",
					"%s, option %s: %s.", r.owner(), option, err))
				continue
			}
			set(option, expr, r.owner(), r.declRange)
		}
	}

	bindings := nix.Attrs{{Path: []string{"imports"}, Value: nix.List{nix.Path("../../modules/default.nix")}}}
	bindings = append(bindings, tree.moduleBindings()...)
	return nix.Lambda{Formals: []string{"config", "lib", "pkgs"}, Ellipsis: true, Body: bindings}, diags
}

type optionEntry struct {
	option string
	value  cty.Value
}

// optionEntries are the options a rendered profile sets: its nixos tree's,
// then its roles'. Two trees setting one option meet in the option tree,
// which merges attribute sets and refuses two values for one leaf.
func optionEntries(r *profiles.Rendered) []optionEntry {
	var out []optionEntry
	for _, tree := range r.OptionTrees() {
		for it := tree.ElementIterator(); it.Next(); {
			k, v := it.Element()
			out = append(out, optionEntry{k.AsString(), v})
		}
	}
	return out
}

// backupOptions is freecloud.backup (modules/backup.nix) for a machine.
// The files it reads are the backup's secrets (backupSecrets).
func backupOptions(b *config.Backup, paths []string, dbs map[string][]string) nix.Attrs {
	backup := nix.Attrs{
		{Path: []string{"repository"}, Value: nix.String(b.Repository)},
		{Path: []string{"schedule"}, Value: nix.String(b.Schedule)},
		{Path: []string{"paths"}, Value: stringList(paths)},
	}
	for _, s := range backupSecrets(b) {
		option := map[string]string{backupPassword: "passwordFile", backupEnvironment: "environmentFile"}[s.Name]
		backup = append(backup, nix.Binding{Path: []string{option}, Value: nix.String(s.Path(config.ReservedServiceName))})
	}
	for engine, names := range dbs {
		backup = append(backup, nix.Binding{Path: []string{engine}, Value: stringList(names)})
	}
	return backup
}

// statePaths returns the data paths of a machine's services, sorted.
func statePaths(all []rendered) []string {
	set := map[string]bool{}
	for _, r := range all {
		for _, p := range r.StatePaths {
			set[p] = true
		}
	}
	return sortedKeys(set)
}

func dbNames(dbs map[string][]string) []string {
	var out []string
	for _, engine := range sortedKeys(dbs) {
		for _, name := range dbs[engine] {
			out = append(out, engine+":"+name)
		}
	}
	return out
}

// secretOptions is a secret's entry in freecloud.secrets (modules/secrets.nix).
func secretOptions(s *profiles.Secret, before []string) nix.Attrs {
	attrs := nix.Attrs{
		{Path: []string{"owner"}, Value: nix.String(s.Owner)},
		{Path: []string{"group"}, Value: nix.String(s.Group)},
		{Path: []string{"mode"}, Value: nix.String(s.Mode)},
		{Path: []string{"before"}, Value: stringList(before)},
	}
	switch {
	case s.Provided:
		return append(attrs, nix.Binding{Path: []string{"provided"}, Value: nix.Bool(true)})
	case s.Shared:
		// freecloud applied the rule, env and prefix when it made the
		// value; the host only decrypts it.
		return append(attrs, nix.Binding{Path: []string{"shared"}, Value: nix.Bool(true)})
	}
	attrs = append(attrs,
		nix.Binding{Path: []string{"generate"}, Value: nix.String(s.Generate)},
		nix.Binding{Path: []string{"length"}, Value: nix.Int(s.Length)})
	if s.Env != "" {
		attrs = append(attrs, nix.Binding{Path: []string{"env"}, Value: nix.String(s.Env)})
	}
	if s.Prefix != "" {
		attrs = append(attrs, nix.Binding{Path: []string{"prefix"}, Value: nix.String(s.Prefix)})
	}
	return attrs
}

// checkRoutes refuses two services on one machine listening on the same
// port or serving the same domain and path.
func checkRoutes(m *config.Machine, all []rendered) hcl.Diagnostics {
	var diags hcl.Diagnostics
	taken := map[string]rendered{}
	claim := func(key, what string, r rendered) {
		if first, dup := taken[key]; dup && first.instance != r.instance {
			diags = append(diags, errorAt(r.declRange, "Two services want the same "+what,
				"On machine %q, %s and %s both use %s. Change a port or domain parameter of one of them, or move it to another machine.",
				m.Name, first.owner(), r.owner(), key))
			return
		}
		taken[key] = r
	}
	for _, r := range all {
		for _, route := range r.Routes {
			switch {
			case route.Protocol == "http":
				claim("https://"+route.Domain+route.Path, "route", r)
				if route.Port != 0 {
					claim(fmt.Sprintf("port %d/tcp", route.Port), "port", r)
				}
			default:
				claim(fmt.Sprintf("port %d/%s", route.Port, route.Protocol), "port", r)
			}
		}
	}
	return diags
}

// firewallPorts returns the firewall options for the public tcp and udp
// ports. Web routes need none of their own: the reverse proxy exposes 80
// and 443.
func firewallPorts(all []rendered) map[string]nix.List {
	sets := map[string]map[int]bool{}
	for _, r := range all {
		for _, route := range r.Routes {
			if route.Public && route.Protocol != "http" {
				option := "networking.firewall.allowed" + strings.ToUpper(route.Protocol) + "Ports"
				if sets[option] == nil {
					sets[option] = map[int]bool{}
				}
				sets[option][route.Port] = true
			}
		}
	}
	out := map[string]nix.List{}
	for option, set := range sets {
		ports := make([]int, 0, len(set))
		for p := range set {
			ports = append(ports, p)
		}
		sort.Ints(ports)
		for _, p := range ports {
			out[option] = append(out[option], nix.Int(p))
		}
	}
	return out
}

// databases returns, per engine, the databases the machine's services keep;
// modules/databases.nix creates them with a role of the same name.
func databases(all []rendered) map[string][]string {
	sets := map[string]map[string]bool{}
	for _, r := range all {
		for engine, names := range r.profile.Databases() {
			if sets[engine] == nil {
				sets[engine] = map[string]bool{}
			}
			for _, n := range names {
				sets[engine][n] = true
			}
		}
	}
	out := map[string][]string{}
	for engine, set := range sets {
		out[engine] = sortedKeys(set)
	}
	return out
}

func stringList(list []string) nix.List {
	out := make(nix.List, len(list))
	for i, s := range list {
		out[i] = nix.String(s)
	}
	return out
}

func validOptionPath(p string) bool {
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return false
		}
	}
	return true
}

// hardware builds a machine's hardware.nix: the provider layer and nothing
// else, so that moving a machine changes only this file.
func hardware(m *config.Machine) nix.Expr {
	body := nix.Attrs{
		{Path: []string{"imports"}, Value: nix.List{nix.Path("../../modules/" + m.Provider.Kind.Hardware)}},
		{Path: []string{"nixpkgs", "hostPlatform"}, Value: nix.String(m.Platform)},
	}
	if m.BootDisk != "" {
		// The disk the installer erases and lays out (modules/hardware/disko.nix).
		body = append(body, nix.Binding{Path: []string{"freecloud", "bootDisk"}, Value: nix.String(m.BootDisk)})
	}
	if len(m.Disks) > 0 {
		// Data disks stay out of the disko layout, so that installing never
		// erases them; they are mounted by their label.
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

// PublicPorts returns, per machine, the ports its services expose to the
// internet: what the provider's firewall must let through (besides SSH).
func PublicPorts(dep *config.Deployment, cat *profiles.Catalogue) (map[string][]providers.Port, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string][]providers.Port{}
	for _, m := range dep.Machines {
		instances, d := instancesOn(dep, m, cat)
		diags = append(diags, d...)
		for _, in := range instances {
			r, d := in.render(dep, m)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			for _, route := range r.Routes {
				if route.Public && route.Protocol != "http" {
					out[m.Name] = append(out[m.Name], providers.Port{Protocol: route.Protocol, Port: route.Port})
				}
			}
		}
		sort.Slice(out[m.Name], func(i, j int) bool {
			a, b := out[m.Name][i], out[m.Name][j]
			return a.Protocol < b.Protocol || a.Protocol == b.Protocol && a.Port < b.Port
		})
	}
	return out, diags
}

// A HealthCheck is how a deploy checks one service after a switch, from its
// profile's health block.
type HealthCheck struct {
	Service string
	// Unit must be active; "" when the profile names none.
	Unit string
	// URL is the profile's HTTP health path on the service's local http
	// port; "" when it declares none or serves no local port.
	URL string
}

// HealthChecks returns, per machine, the health checks of its services.
func HealthChecks(dep *config.Deployment, cat *profiles.Catalogue) (map[string][]HealthCheck, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string][]HealthCheck{}
	for _, m := range dep.Machines {
		instances, d := instancesOn(dep, m, cat)
		diags = append(diags, d...)
		for _, in := range instances {
			if in.profile.Health == nil {
				continue
			}
			r, d := in.render(dep, m)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			check := HealthCheck{Service: in.name, Unit: r.HealthUnit}
			if path := in.profile.Health.HTTP; path != "" {
				for _, route := range r.Routes {
					if route.Protocol == "http" && route.Port > 0 {
						check.URL = fmt.Sprintf("http://127.0.0.1:%d%s", route.Port, path)
						break
					}
				}
			}
			if check.Unit != "" || check.URL != "" {
				out[m.Name] = append(out[m.Name], check)
			}
		}
	}
	return out, diags
}
