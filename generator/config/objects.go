package config

import (
	"fmt"
	"net"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"golang.org/x/crypto/ssh"
)

// hostnameRe is one DNS label (RFC 1123), lowercase: machine names become
// host names, and deployment names label cloud resources.
var hostnameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// serviceNameRe: service names become systemd unit and directory names.
var serviceNameRe = regexp.MustCompile(`^[a-z][a-z0-9]*([_-][a-z0-9]+)*$`)

// DefaultStateVersion is the system.stateVersion of new machines: the NixOS
// release the generated flake pins.
const DefaultStateVersion = "26.05"

var machineSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "provider", Required: true},
		{Name: "location"},
		{Name: "size"},
		{Name: "country"},
		{Name: "address"},
		{Name: "port"},
		{Name: "user"},
		{Name: "admins"},
		{Name: "disks"},
		{Name: "labels"},
		{Name: "state_version"},
		{Name: "backup"},
		{Name: "boot_disk"},
		{Name: "ssh_jump"},
	},
}

var backupSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "repository", Required: true},
		{Name: "schedule"},
	},
}

var backupType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"repository": cty.String,
	"schedule":   cty.String,
}, []string{"schedule"})

// DefaultBackupSchedule is when backups run unless told otherwise.
const DefaultBackupSchedule = "daily"

var serviceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "profile", Required: true},
		{Name: "machine", Required: true},
		{Name: "with"},
	},
}

var sovereigntySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "data_jurisdictions"},
		{Name: "forbidden_operator_law"},
	},
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "value", Required: true},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

var diskType = cty.List(cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"name":   cty.String,
	"size":   cty.Number,
	"device": cty.String,
	"mount":  cty.String,
}, []string{"size", "device", "mount"}))

func (l *loader) addLocal(attr *hcl.Attribute) {
	l.addNode(&node{
		addr: "local." + attr.Name, kind: "local", name: attr.Name, rng: attr.Range,
		exprs: []hcl.Expression{attr.Expr},
		eval: func(ctx *hcl.EvalContext) (cty.Value, bool) {
			v, diags := attr.Expr.Value(ctx)
			l.diags = append(l.diags, diags...)
			return v, !diags.HasErrors()
		},
	})
}

func (l *loader) addProvider(b *hcl.Block) {
	typ, name := b.Labels[0], b.Labels[1]
	kind, ok := providers.Lookup(typ)
	if !ok {
		l.reject("provider", b, errorf(b.LabelRanges[0], "Unknown provider type",
			"freecloud has no provider %q. It knows %s.%s", typ, strings.Join(providers.Types(), ", "), lang.DidYouMean(typ, providers.Types())))
		return
	}
	if !hclsyntax.ValidIdentifier(name) {
		l.reject("provider", b, errorf(b.LabelRanges[1], "Invalid provider name",
			"%q: provider names are identifiers, like \"eu\" or \"office\".", name))
		return
	}
	_, diags := b.Body.Content(&hcl.BodySchema{})
	l.diags = append(l.diags, diags...)
	p := &Provider{Type: typ, Name: name, Kind: kind, DeclRange: b.DefRange}
	value := providerValue(p)
	l.addNode(&node{
		addr: p.Address(), kind: "provider", name: name, typ: typ, rng: b.DefRange,
		eval: func(*hcl.EvalContext) (cty.Value, bool) { return value, true },
	})
	l.dep.Providers = append(l.dep.Providers, p)
}

// providerValue is what provider.<type>.<name> evaluates to.
func providerValue(p *Provider) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"type": cty.StringVal(p.Type), "name": cty.StringVal(p.Name)})
}

func (l *loader) addMachine(b *hcl.Block) {
	name := b.Labels[0]
	if !hostnameRe.MatchString(name) {
		l.reject("machine", b, errorf(b.LabelRanges[0], "Invalid machine name",
			"%q is not a valid host name: use lowercase letters, digits and dashes (at most 63, not starting or ending with a dash), like \"web1\".", name))
		return
	}
	l.addBlockNode("machine", b, machineSchema, func(attrs hcl.Attributes, ctx *hcl.EvalContext) (cty.Value, bool) {
		m, ok := l.decodeMachine(name, b, attrs, ctx)
		if !ok {
			return cty.NilVal, false
		}
		l.dep.Machines = append(l.dep.Machines, m)
		return machineValue(m), true
	})
}

func (l *loader) decodeMachine(name string, b *hcl.Block, attrs hcl.Attributes, ctx *hcl.EvalContext) (*Machine, bool) {
	m := &Machine{Name: name, DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}, StateVersion: DefaultStateVersion, Labels: map[string]string{}, Port: 22, User: "root"}
	ok := true
	for _, attr := range attrs {
		m.Ranges[attr.Name] = attr.Expr.Range()
	}
	m.Provider, ok = l.providerFrom(attrs["provider"], ctx)
	for _, s := range []struct {
		name   string
		target *string
	}{{"location", &m.Location}, {"size", &m.Size}, {"country", &m.Country}, {"address", &m.Address}, {"user", &m.User}, {"state_version", &m.StateVersion}} {
		if v, good := l.evalAs(attrs[s.name], ctx, cty.String); !good {
			ok = false
		} else if !v.IsNull() {
			*s.target = v.AsString()
		}
	}
	if v, good := l.evalAs(attrs["port"], ctx, cty.Number); !good {
		ok = false
	} else if !v.IsNull() {
		n, acc := v.AsBigFloat().Int64()
		if acc != 0 || n < 1 || n > 65535 {
			l.diags = append(l.diags, errorf(attrs["port"].Expr.Range(), "Invalid port",
				"port is the machine's SSH port, a whole number from 1 to 65535, like 22."))
			ok = false
		}
		m.Port = int(n)
	}
	if v, good := l.evalAs(attrs["ssh_jump"], ctx, cty.String); !good {
		ok = false
	} else if !v.IsNull() {
		jump, problem := parseJump(v.AsString())
		if problem != "" {
			l.diags = append(l.diags, errorf(attrs["ssh_jump"].Expr.Range(), "Invalid ssh_jump",
				"%q: %s. ssh_jump is the bastion freecloud reaches the machine through, \"[user@]host[:port]\", like \"jump@bastion.example.org:2222\" (user root and port 22 unless given).", v.AsString(), problem))
			ok = false
		}
		m.Jump = jump
	}
	if m.User == "" {
		l.diags = append(l.diags, errorf(attrs["user"].Expr.Range(), "Invalid user",
			"user is the login freecloud deploys as over SSH, like \"root\"; it cannot be empty."))
		ok = false
	}
	if v, good := l.evalAs(attrs["admins"], ctx, cty.List(cty.String)); !good {
		ok = false
	} else if !v.IsNull() {
		for _, key := range v.AsValueSlice() {
			if key.IsNull() || !validPublicKey(key.AsString()) {
				l.diags = append(l.diags, errorf(attrs["admins"].Expr.Range(), "Invalid SSH public key",
					"admins holds SSH public keys, one line each as in ~/.ssh/id_ed25519.pub, like \"ssh-ed25519 AAAAC3Nza... alice@laptop\"; %q is not one. Never a private key: it would be published in the Nix store.", abbreviate(key.AsString())))
				ok = false
				continue
			}
			m.Admins = append(m.Admins, strings.TrimSpace(key.AsString()))
		}
	}
	if v, good := l.evalAs(attrs["labels"], ctx, cty.Map(cty.String)); !good {
		ok = false
	} else if !v.IsNull() {
		for k, val := range v.AsValueMap() {
			m.Labels[k] = val.AsString()
		}
	}
	if v, good := l.evalAs(attrs["backup"], ctx, backupType); !good {
		ok = false
	} else if !v.IsNull() {
		m.Backup = &Backup{Repository: stringAttr(v, "repository"), Schedule: stringAttr(v, "schedule"), DeclRange: attrs["backup"].Expr.Range()}
		ok = l.checkBackup(m.Backup) && ok
	}
	if v, good := l.evalAs(attrs["disks"], ctx, diskType); !good {
		ok = false
	} else if !v.IsNull() {
		disks, good := l.decodeDisks(v, attrs["disks"].Expr.Range())
		ok = ok && good
		m.Disks = disks
	}
	if m.Provider != nil {
		ok = l.checkMachineForKind(m, attrs) && ok
		m.Platform = m.Provider.Kind.Platform(m.Size)
	}
	if v, good := l.evalAs(attrs["boot_disk"], ctx, cty.String); !good {
		ok = false
	} else if !v.IsNull() {
		m.BootDisk = v.AsString()
		ok = m.Provider != nil && l.checkBootDisk(m, attrs["boot_disk"].Expr.Range()) && ok
	}
	if m.Country != "" && !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(m.Country) {
		l.diags = append(l.diags, errorf(m.Ranges["country"], "Invalid country",
			"%q: country is an ISO 3166-1 alpha-2 code in capitals, like \"DE\".", m.Country))
		ok = false
	}
	return m, ok
}

// checkMachineForKind checks the attributes a provider kind requires and
// warns about ones it ignores.
func (l *loader) checkMachineForKind(m *Machine, attrs hcl.Attributes) bool {
	ok := true
	kind := m.Provider.Kind
	for _, req := range kind.Required {
		if _, set := attrs[req]; !set {
			l.diags = append(l.diags, errorf(m.DeclRange, "Missing machine attribute",
				"machine %q runs on %s, which needs %q. Add %s = ... to the machine.", m.Name, m.Provider.Address(), req, req))
			ok = false
		}
	}
	for _, irr := range kind.Irrelevant {
		if attr, set := attrs[irr]; set {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Attribute has no effect on this provider",
				Detail:   fmt.Sprintf("%s is not used for %s machines; remove it to avoid confusion.", irr, kind.Type),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	return ok
}

// bootDiskRe: the characters of /dev paths, by-id names included, and none
// that a shell would expand: disko's scripts put the device between double
// quotes.
var bootDiskRe = regexp.MustCompile(`^/dev/[A-Za-z0-9._:+,=@/-]+$`)

// checkBootDisk checks boot_disk, the disk the installer erases: bare metal
// only (a cloud provider's layer knows its servers' disk), an absolute
// /dev/ path, and none of the machine's data disks.
func (l *loader) checkBootDisk(m *Machine, rng hcl.Range) bool {
	if m.Provider.Kind.Type != "baremetal" {
		l.diags = append(l.diags, errorf(rng, "boot_disk is for bare metal",
			"machine %q runs on %s, whose servers boot from the disk the provider gives them (modules/%s knows it). boot_disk names the disk to erase on bare metal; remove it here.", m.Name, m.Provider.Address(), m.Provider.Kind.Hardware))
		return false
	}
	if !bootDiskRe.MatchString(m.BootDisk) || path.Clean(m.BootDisk) != m.BootDisk {
		l.diags = append(l.diags, errorf(rng, "Invalid boot_disk",
			"%q: boot_disk is the whole disk that installing NixOS erases, an absolute path under /dev/ like \"/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S649NX0R123456\". A /dev/disk/by-id/ name points at the same disk on every boot; /dev/sda may be another disk after a reboot.", abbreviate(m.BootDisk)))
		return false
	}
	for _, d := range m.Disks {
		if d.Device != "" && path.Clean(d.Device) == m.BootDisk {
			l.diags = append(l.diags, errorf(rng, "boot_disk is a data disk",
				"%s is also the device of data disk %q. Installing erases the boot disk entirely, and data disks never: give the machine its own boot disk.", m.BootDisk, d.Name))
			return false
		}
	}
	return true
}

// parseJump parses ssh_jump, "[user@]host[:port]" with an IPv6 address in
// brackets when it has a port. problem says what is wrong, "" if nothing.
func parseJump(s string) (j *JumpHost, problem string) {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, "it contains spaces"
	}
	j = &JumpHost{}
	hostPort := s
	if at := strings.LastIndex(s, "@"); at >= 0 {
		j.User, hostPort = s[:at], s[at+1:]
		switch {
		case strings.Contains(j.User, ":"):
			return nil, "it holds a password; freecloud logs in to the bastion with your SSH agent or keys, and a password would end up in the deployment's files"
		case !jumpUserRe.MatchString(j.User):
			return nil, "the user before @ must be a login name like \"jump\""
		}
	}
	host, port := hostPort, ""
	switch {
	case strings.HasPrefix(hostPort, "["):
		end := strings.Index(hostPort, "]")
		if end < 0 {
			return nil, "the [ of an IPv6 address has no ]"
		}
		host, port = hostPort[1:end], hostPort[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return nil, "only :port may follow an IPv6 address in brackets"
		}
		port = strings.TrimPrefix(port, ":")
		if port == "" && strings.HasSuffix(hostPort, ":") {
			return nil, "the port after : is missing"
		}
		if ip := net.ParseIP(host); ip == nil || ip.To4() != nil {
			return nil, "brackets hold an IPv6 address"
		}
	case strings.Count(hostPort, ":") == 1:
		host, port, _ = strings.Cut(hostPort, ":")
		if port == "" {
			return nil, "the port after : is missing"
		}
	case strings.Count(hostPort, ":") > 1:
		if net.ParseIP(hostPort) == nil {
			return nil, "write an IPv6 address in brackets, like [2001:db8::1]:22"
		}
	}
	if host == "" {
		return nil, "the host is missing"
	}
	if net.ParseIP(host) == nil && !jumpHostRe.MatchString(host) {
		return nil, fmt.Sprintf("%q is not a host name or IP address", host)
	}
	j.Host = host
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '0' {
			return nil, "the port must be a whole number from 1 to 65535"
		}
		j.Port = n
	}
	return j, ""
}

var (
	// jumpUserRe: a POSIX login name.
	jumpUserRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	// jumpHostRe: a DNS name, dot-separated labels of letters, digits,
	// dashes and underscores, optionally ending in a dot.
	jumpHostRe = regexp.MustCompile(`^([A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?\.?$`)
)

func (l *loader) decodeDisks(v cty.Value, rng hcl.Range) ([]Disk, bool) {
	var disks []Disk
	ok := true
	seen := map[string]bool{}
	mounts := map[string]string{} // clean mount point → disk name
	for _, d := range v.AsValueSlice() {
		disk := Disk{Name: stringAttr(d, "name"), Device: stringAttr(d, "device"), Mount: stringAttr(d, "mount")}
		if size := d.GetAttr("size"); !size.IsNull() {
			n, acc := size.AsBigFloat().Int64()
			if acc != 0 || n < 1 {
				l.diags = append(l.diags, errorf(rng, "Invalid disk size", "disk %q: size is a whole number of gigabytes, at least 1.", disk.Name))
				ok = false
			}
			disk.SizeGB = int(n)
		}
		// The name becomes the ext4 label, which holds at most 16 bytes.
		if !serviceNameRe.MatchString(disk.Name) || len(disk.Name) > 16 || seen[disk.Name] {
			l.diags = append(l.diags, errorf(rng, "Invalid disk name",
				"disk %q: disk names are unique per machine, at most 16 lowercase letters, digits and dashes; they label the file system.", disk.Name))
			ok = false
		}
		seen[disk.Name] = true
		if disk.Mount == "" {
			disk.Mount = "/mnt/" + disk.Name
		}
		switch clean := path.Clean(disk.Mount); {
		case !strings.HasPrefix(disk.Mount, "/"):
			l.diags = append(l.diags, errorf(rng, "Invalid mount point", "disk %q: mount is an absolute path, like \"/srv/data\".", disk.Name))
			ok = false
		case clean == "/" || clean == "/boot":
			l.diags = append(l.diags, errorf(rng, "Invalid mount point", "disk %q: %s belongs to the boot disk, which the provider layer mounts. Mount the data disk elsewhere, like \"/srv/data\".", disk.Name, clean))
			ok = false
		case mounts[clean] != "":
			l.diags = append(l.diags, errorf(rng, "Invalid mount point", "disks %q and %q are both mounted at %s; give each its own mount.", mounts[clean], disk.Name, clean))
			ok = false
		default:
			mounts[clean] = disk.Name
		}
		disks = append(disks, disk)
	}
	sort.Slice(disks, func(i, j int) bool { return disks[i].Name < disks[j].Name })
	return disks, ok
}

func stringAttr(obj cty.Value, name string) string {
	v := obj.GetAttr(name)
	if v.IsNull() {
		return ""
	}
	return v.AsString()
}

// validPublicKey accepts one authorized_keys line holding a public key.
func validPublicKey(key string) bool {
	if strings.Contains(key, "PRIVATE KEY") || strings.Contains(strings.TrimSpace(key), "\n") {
		return false
	}
	_, _, options, rest, err := ssh.ParseAuthorizedKey([]byte(key))
	return err == nil && len(options) == 0 && len(rest) == 0
}

// providerFrom reads a machine's provider attribute: a reference such as
// provider.hetzner.eu (or a value that holds one).
func (l *loader) providerFrom(attr *hcl.Attribute, ctx *hcl.EvalContext) (*Provider, bool) {
	v, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil, false
	}
	if !v.IsNull() && v.Type().IsObjectType() && v.Type().HasAttribute("type") && v.Type().HasAttribute("name") {
		typ, name := v.GetAttr("type"), v.GetAttr("name")
		for _, p := range l.dep.Providers {
			if typ.Equals(cty.StringVal(p.Type)).True() && name.Equals(cty.StringVal(p.Name)).True() {
				return p, true
			}
		}
	}
	l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid provider",
		"provider refers to a provider block, like provider = provider.hetzner.eu."))
	return nil, false
}

func machineValue(m *Machine) cty.Value {
	admins := make([]cty.Value, len(m.Admins))
	for i, a := range m.Admins {
		admins[i] = cty.StringVal(a)
	}
	labels := map[string]cty.Value{}
	for k, v := range m.Labels {
		labels[k] = cty.StringVal(v)
	}
	jump := ""
	if m.Jump != nil {
		jump = m.Jump.String()
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name":          cty.StringVal(m.Name),
		"provider":      providerValue(m.Provider),
		"location":      cty.StringVal(m.Location),
		"size":          cty.StringVal(m.Size),
		"country":       cty.StringVal(m.Country),
		"address":       cty.StringVal(m.Address),
		"port":          cty.NumberIntVal(int64(m.Port)),
		"user":          cty.StringVal(m.User),
		"admins":        cty.TupleVal(admins),
		"labels":        cty.ObjectVal(labels),
		"state_version": cty.StringVal(m.StateVersion),
		"platform":      cty.StringVal(m.Platform),
		"boot_disk":     cty.StringVal(m.BootDisk),
		"ssh_jump":      cty.StringVal(jump),
	})
}

// evalAs evaluates an optional attribute and converts it to ty. A missing
// attribute gives a null value. Sensitive values are refused: everything
// decoded here ends up in generated files or provider requests.
func (l *loader) evalAs(attr *hcl.Attribute, ctx *hcl.EvalContext, ty cty.Type) (cty.Value, bool) {
	if attr == nil {
		return cty.NullVal(ty), true
	}
	v, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.ContainsMarked() {
		l.diags = append(l.diags, errorf(attr.Expr.Range(), "Sensitive value not allowed here",
			"%s would be written into the generated flake, which lands in the world-readable Nix store. Pass secrets to services as profile secrets instead.", attr.Name))
		return cty.NilVal, false
	}
	converted, err := convert.Convert(v, ty)
	if err != nil {
		l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid value for "+attr.Name,
			"%s must be %s: %s.", attr.Name, typeexpr.TypeString(ty), err))
		return cty.NilVal, false
	}
	return converted, true
}

func (l *loader) decodeSovereignty(blocks hcl.Blocks) {
	if len(blocks) == 0 {
		return
	}
	for _, extra := range blocks[1:] {
		l.diags = append(l.diags, errorf(extra.DefRange, "Duplicate sovereignty block",
			"A deployment has one sovereignty policy; the first is at %s.", at(blocks[0].DefRange)))
	}
	content, diags := blocks[0].Body.Content(sovereigntySchema)
	l.diags = append(l.diags, diags...)
	s := &Sovereignty{DeclRange: blocks[0].DefRange}
	for _, f := range []struct {
		name   string
		target *[]string
	}{{"data_jurisdictions", &s.DataJurisdictions}, {"forbidden_operator_law", &s.ForbiddenOperatorLaw}} {
		attr := content.Attributes[f.name]
		var ctx *hcl.EvalContext
		if attr != nil {
			if ctx = l.contextForExpr(attr.Expr); ctx == nil {
				continue
			}
		}
		v, ok := l.evalAs(attr, ctx, cty.List(cty.String))
		if ok && !v.IsNull() {
			for _, item := range v.AsValueSlice() {
				if !item.IsNull() {
					*f.target = append(*f.target, item.AsString())
				}
			}
		}
	}
	l.dep.Sovereignty = s
}

func (l *loader) decodeOutput(b *hcl.Block) {
	name := b.Labels[0]
	if !l.declare("output."+name, "output", b.DefRange) {
		return
	}
	content, diags := b.Body.Content(outputSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	o := &Output{Name: name, DeclRange: b.DefRange}
	value := content.Attributes["value"]
	if ctx := l.contextForExpr(value.Expr); ctx != nil {
		v, diags := value.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		o.Value = v
	}
	if v, ok := l.evalAs(content.Attributes["description"], nil, cty.String); ok && !v.IsNull() {
		o.Description = v.AsString()
	}
	if v, ok := l.evalAs(content.Attributes["sensitive"], nil, cty.Bool); ok && !v.IsNull() {
		o.Sensitive = v.True()
	}
	if o.Value != cty.NilVal && o.Value.ContainsMarked() && !o.Sensitive {
		l.diags = append(l.diags, errorf(value.Expr.Range(), "Output refers to a sensitive value",
			"output %q shows a sensitive value; add sensitive = true so it is never printed.", name))
	}
	l.dep.Outputs = append(l.dep.Outputs, o)
}

// decodeBackup reads the deployment-wide backup block and gives every
// machine without a backup of its own a repository below it.
func (l *loader) decodeBackup(blocks hcl.Blocks) {
	if len(blocks) > 0 {
		for _, extra := range blocks[1:] {
			l.diags = append(l.diags, errorf(extra.DefRange, "Duplicate backup block",
				"A deployment has one backup block; the first is at %s. Machines can override it with their backup attribute.", at(blocks[0].DefRange)))
		}
		content, diags := blocks[0].Body.Content(backupSchema)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			b := &Backup{DeclRange: blocks[0].DefRange}
			for name, target := range map[string]*string{"repository": &b.Repository, "schedule": &b.Schedule} {
				attr := content.Attributes[name]
				var ctx *hcl.EvalContext
				if attr != nil {
					if ctx = l.contextForExpr(attr.Expr); ctx == nil {
						return
					}
				}
				if v, ok := l.evalAs(attr, ctx, cty.String); ok && !v.IsNull() {
					*target = v.AsString()
				}
			}
			if l.checkBackup(b) {
				l.dep.Backup = b
			}
		}
	}
	for _, m := range l.dep.Machines {
		if m.Backup == nil && l.dep.Backup != nil {
			m.Backup = &Backup{
				Repository: strings.TrimSuffix(l.dep.Backup.Repository, "/") + "/" + m.Name,
				Schedule:   l.dep.Backup.Schedule,
				DeclRange:  l.dep.Backup.DeclRange,
			}
		}
		if m.Backup != nil && m.Backup.Schedule == "" {
			m.Backup.Schedule = DefaultBackupSchedule
		}
	}
}

func (l *loader) checkBackup(b *Backup) bool {
	if strings.TrimSpace(b.Repository) == "" || strings.ContainsAny(b.Repository, "\n\r") {
		l.diags = append(l.diags, errorf(b.DeclRange, "Invalid backup repository",
			"repository is a restic repository, like \"sftp:backup@nas.example.org:/srv/restic\" or \"s3:https://s3.example.org/bucket\"."))
		return false
	}
	if u := userInfo(b.Repository); u != "" {
		l.diags = append(l.diags, errorf(b.DeclRange, "Credentials in the backup repository",
			"The repository URL holds a password (%s): it would be published in the world-readable Nix store. Remove it; freecloud reads the repository password and access keys from the backup secrets on the host.", u))
		return false
	}
	if strings.ContainsAny(b.Schedule, "\n\r") {
		l.diags = append(l.diags, errorf(b.DeclRange, "Invalid backup schedule", "schedule is a systemd calendar expression, like \"daily\" or \"*-*-* 02:30\"."))
		return false
	}
	return true
}

// userInfo returns the user:password part of a URL-style repository, if
// it has a password.
func userInfo(repo string) string {
	_, rest, ok := strings.Cut(repo, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	cred, _, ok := strings.Cut(host, "@")
	if !ok || !strings.Contains(cred, ":") {
		return ""
	}
	user, _, _ := strings.Cut(cred, ":")
	return user + ":***"
}

// abbreviate shortens a long value for a message.
func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
