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
	"github.com/freecloud/freecloud/sovereignty"
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
		{Name: "country"},
		{Name: "operator"},
	},
}

var backupType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"repository": cty.String,
	"schedule":   cty.String,
	"country":    cty.String,
	"operator":   cty.String,
}, []string{"schedule", "country", "operator"})

// DefaultBackupSchedule is when backups run unless told otherwise.
const DefaultBackupSchedule = "daily"

var serviceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "profile", Required: true},
		{Name: "machine"},
		{Name: "machines"},
		{Name: "roles"},
		{Name: "with"},
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
	"format": cty.String,
}, []string{"size", "device", "mount", "format"}))

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
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	p := &Provider{Type: typ, Name: name, Kind: kind, Settings: map[string]string{}, Ranges: map[string]hcl.Range{}, DeclRange: b.DefRange}
	var settings []*hcl.Attribute
	var exprs []hcl.Expression
	for _, attr := range sortedAttrs(attrs) {
		if _, ok := kind.Setting(attr.Name); !ok {
			l.diags = append(l.diags, unknownSetting(p, attr))
			continue
		}
		settings = append(settings, attr)
		exprs = append(exprs, attr.Expr)
	}
	l.addNode(&node{
		addr: p.Address(), kind: "provider", name: name, typ: typ, rng: b.DefRange, exprs: exprs,
		eval: func(ctx *hcl.EvalContext) (cty.Value, bool) {
			ok := l.decodeSettings(p, settings, ctx)
			return providerValue(p), ok
		},
	})
	l.dep.Providers = append(l.dep.Providers, p)
}

// unknownSetting reports an attribute a provider block of its kind does
// not take, listing those it does.
func unknownSetting(p *Provider, attr *hcl.Attribute) *hcl.Diagnostic {
	var detail strings.Builder
	if len(p.Kind.Settings) == 0 {
		fmt.Fprintf(&detail, "provider %q takes no settings: its block is empty, like provider %q %q {}.", p.Type, p.Type, p.Name)
	} else {
		names := make([]string, len(p.Kind.Settings))
		for i, s := range p.Kind.Settings {
			names[i] = s.Name
		}
		fmt.Fprintf(&detail, "provider %q has no setting %q.%s Its block may set:", p.Type, attr.Name, lang.DidYouMean(attr.Name, names))
		for _, s := range p.Kind.Settings {
			fmt.Fprintf(&detail, "\n  %s: %s", s.Name, s.Doc)
		}
	}
	if looksLikeCredential(attr.Name) {
		detail.WriteString("\nCredentials never go in deployment files, which are shared and shown in plans: freecloud reads them from the environment, where the provider's own tools look (HCLOUD_TOKEN for Hetzner; AWS's configuration chain of AWS_PROFILE, SSO and ~/.aws).")
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown provider setting", Detail: detail.String(), Subject: attr.NameRange.Ptr()}
}

func looksLikeCredential(name string) bool {
	name = strings.ToLower(name)
	for _, word := range []string{"token", "key", "secret", "password", "credential"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}

// decodeSettings evaluates the settings of a provider block into
// p.Settings. It is false when a value cannot be used; settings that
// belong together but are not are reported without failing the provider,
// whose value is still whole.
func (l *loader) decodeSettings(p *Provider, attrs []*hcl.Attribute, ctx *hcl.EvalContext) bool {
	ok := true
	written := map[string]*hcl.Attribute{} // non-null, valid or not
	for _, attr := range attrs {
		setting, _ := p.Kind.Setting(attr.Name)
		v, diags := attr.Expr.Value(ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			ok = false
			written[attr.Name] = attr
			continue
		}
		if v.ContainsMarked() {
			l.diags = append(l.diags, errorf(attr.Expr.Range(), "Sensitive value not allowed here",
				"%s of %s is sensitive, but provider settings are shown in plans and kept in state. Settings say where and how to reach the provider; credentials come from the environment, never from the deployment.", attr.Name, p.Address()))
			ok = false
			written[attr.Name] = attr
			continue
		}
		v, err := convert.Convert(v, cty.String)
		if err != nil || !v.IsKnown() {
			l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid value for "+attr.Name,
				"%s must be a string: %s is %s.", attr.Name, attr.Name, setting.Doc))
			ok = false
			written[attr.Name] = attr
			continue
		}
		if v.IsNull() {
			continue // unset, as if not written
		}
		written[attr.Name] = attr
		if problem := checkSetting(p, setting, v.AsString()); problem != "" {
			l.diags = append(l.diags, errorf(attr.Expr.Range(), "Invalid provider setting", "%s", problem))
			ok = false
			continue
		}
		p.Settings[attr.Name] = v.AsString()
		p.Ranges[attr.Name] = attr.Expr.Range()
	}
	for _, group := range p.Kind.Together {
		var set *hcl.Attribute
		var missing []string
		for _, name := range group {
			if attr := written[name]; attr == nil {
				missing = append(missing, name)
			} else if set == nil || attr.Range.Start.Byte < set.Range.Start.Byte {
				set = attr
			}
		}
		if set == nil || len(missing) == 0 {
			continue
		}
		var detail strings.Builder
		fmt.Fprintf(&detail, "%s are set together or not at all, and %s has no %s. Add:", strings.Join(group, " and "), p.Address(), strings.Join(missing, " or "))
		for _, name := range missing {
			s, _ := p.Kind.Setting(name)
			fmt.Fprintf(&detail, "\n  %s: %s", s.Name, s.Doc)
		}
		fmt.Fprintf(&detail, "\nor remove %s.", set.Name)
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incomplete provider settings", Detail: detail.String(), Subject: set.Range.Ptr()})
	}
	return ok
}

// checkSetting says what is wrong with the value of a setting, "" if
// nothing.
func checkSetting(p *Provider, s providers.Setting, value string) string {
	switch {
	case value == "":
		return fmt.Sprintf("%s of %s is empty; %s is %s. Remove it to leave it unset.", s.Name, p.Address(), s.Name, s.Doc)
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		return fmt.Sprintf("%s of %s holds a line break or control character; %s is %s.", s.Name, p.Address(), s.Name, s.Doc)
	case s.Pattern != nil && !s.Pattern.MatchString(value):
		return fmt.Sprintf("%q is not a valid %s; %s is %s.", abbreviate(value), s.Name, s.Name, s.Doc)
	}
	if p.Type == "aws" && s.Name == "region" {
		if region, ok := providers.AWSRegion(value); !ok || region != value {
			regions := p.Kind.Locations()
			return fmt.Sprintf("freecloud knows no AWS region %q.%s It knows the regions of AWS's commercial partition: %s.", value, lang.DidYouMean(value, regions), strings.Join(regions, ", "))
		}
	}
	return ""
}

// providerValue is what provider.<type>.<name> evaluates to: its type,
// name and every setting of its kind, "" when unset.
func providerValue(p *Provider) cty.Value {
	attrs := map[string]cty.Value{"type": cty.StringVal(p.Type), "name": cty.StringVal(p.Name)}
	for _, s := range p.Kind.Settings {
		attrs[s.Name] = cty.StringVal(p.Settings[s.Name])
	}
	return cty.ObjectVal(attrs)
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
		mesh := cty.NullVal(cty.String)
		if addr, ok := l.meshAddresses[m.Name]; ok {
			mesh = cty.StringVal(addr)
		}
		return machineValue(m, mesh), true
	})
}

func (l *loader) decodeMachine(name string, b *hcl.Block, attrs hcl.Attributes, ctx *hcl.EvalContext) (*Machine, bool) {
	m := &Machine{Name: name, DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}, StateVersion: DefaultStateVersion, Labels: map[string]string{}, Port: 22, User: "root"}
	ok := true
	for _, attr := range attrs {
		m.Ranges[attr.Name] = attr.Expr.Range()
	}
	m.Provider, ok = l.providerFrom(attrs["provider"], ctx)
	locationFailed := false
	for _, s := range []struct {
		name   string
		target *string
	}{{"location", &m.Location}, {"size", &m.Size}, {"country", &m.Country}, {"address", &m.Address}, {"user", &m.User}, {"state_version", &m.StateVersion}} {
		if v, good := l.evalAs(attrs[s.name], ctx, cty.String); !good {
			ok = false
			if s.name == "location" {
				locationFailed = true // reported; not checked again
			}
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
		m.Backup = backupValue(v, attrs["backup"], ctx)
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
		if m.Provider.Kind.Country != nil {
			// The location decides the country; a country attribute was
			// warned about above.
			m.Country = ""
			if _, set := attrs["location"]; set && !locationFailed {
				ok = l.checkLocation(m) && ok
			}
		}
	}
	if v, good := l.evalAs(attrs["boot_disk"], ctx, cty.String); !good {
		ok = false
	} else if !v.IsNull() {
		m.BootDisk = v.AsString()
		ok = m.Provider != nil && l.checkBootDisk(m, attrs["boot_disk"].Expr.Range()) && ok
	}
	if m.Country != "" && !l.checkCountry(m.Country, m.Ranges["country"]) {
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
			detail := fmt.Sprintf("%s is not used for %s machines; remove it to avoid confusion.", irr, kind.Type)
			if irr == "country" && kind.Country != nil {
				detail = fmt.Sprintf("country is not used for %s machines: their location decides it. Remove it to avoid confusion.", kind.Type)
			}
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Attribute has no effect on this provider",
				Detail:   detail,
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	return ok
}

// checkLocation sets a cloud machine's country from its location, which
// must be one freecloud knows: the sovereignty policy needs the country of
// every machine. On AWS the location must also be in the provider block's
// region, when it has one.
func (l *loader) checkLocation(m *Machine) bool {
	kind, p := m.Provider.Kind, m.Provider
	rng := m.Ranges["location"]
	country, known := kind.Country(m.Location)
	if !known {
		l.diags = append(l.diags, errorf(rng, "Unknown location", "%s", unknownLocation(kind, m.Location)))
		return false
	}
	m.Country = country
	if region := p.Settings["region"]; p.Type == "aws" && region != "" {
		if in, _ := providers.AWSRegion(m.Location); in != region {
			where := in
			if m.Location != in {
				where = fmt.Sprintf("%s (region %s)", m.Location, in)
			}
			l.diags = append(l.diags, errorf(rng, "Machine outside its provider's region",
				"machine %q is in %s, but %s is for region %s: use a provider block with region = %q, or a location in %s (%s or an availability zone like %sa).",
				m.Name, where, p.Address(), region, in, region, region, region))
			return false
		}
	}
	return true
}

// unknownLocation says that a location is not one of the kind's, naming
// those it has.
func unknownLocation(kind *providers.Kind, location string) string {
	known := kind.Locations()
	if kind.Type != "aws" {
		return fmt.Sprintf("%s has no location %q that freecloud knows; it knows %s.%s freecloud needs the country of every machine, for the sovereignty policy.",
			kind.Type, location, strings.Join(known, ", "), lang.DidYouMean(location, known))
	}
	// A mistyped availability zone is suggested as one.
	options := known
	if n := len(location); n > 1 && 'a' <= location[n-1] && location[n-1] <= 'z' {
		options = nil
		for _, region := range known {
			options = append(options, region+location[n-1:])
		}
	}
	return fmt.Sprintf("%q is not an AWS region or availability zone that freecloud knows.%s A location is a region, like \"eu-central-1\", or one of its availability zones, like \"eu-central-1a\"; Local and Wavelength Zones are not supported, since they need not be in their region's country, which the sovereignty policy needs. The regions: %s.",
		location, lang.DidYouMean(location, options), strings.Join(known, ", "))
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
		disk := Disk{Name: stringAttr(d, "name"), Device: stringAttr(d, "device"), Mount: stringAttr(d, "mount"), Format: stringAttr(d, "format")}
		switch disk.Format {
		case "":
			disk.Format = DiskExt4
		case DiskExt4, DiskRaw:
		default:
			l.diags = append(l.diags, errorf(rng, "Invalid disk format",
				"disk %q: format is %q (formatted and mounted, the default) or %q (left blank for a service that takes the whole device, like a ZFS volume provider).", disk.Name, DiskExt4, DiskRaw))
			ok = false
		}
		if disk.Format == DiskRaw && stringAttr(d, "mount") != "" {
			l.diags = append(l.diags, errorf(rng, "A raw disk is not mounted",
				"disk %q: format = %q leaves the disk to a service, so it has no mount point; remove mount.", disk.Name, DiskRaw))
			ok = false
		}
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
		if disk.Format == DiskRaw {
			disks = append(disks, disk)
			continue
		}
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

func machineValue(m *Machine, meshAddress cty.Value) cty.Value {
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
		"mesh_address":  meshAddress,
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
			b := &Backup{DeclRange: blocks[0].DefRange, Ranges: map[string]hcl.Range{}}
			for _, f := range []struct {
				name   string
				target *string
			}{{"repository", &b.Repository}, {"schedule", &b.Schedule}, {"country", &b.Country}, {"operator", &b.Operator}} {
				attr := content.Attributes[f.name]
				if attr == nil {
					continue
				}
				ctx := l.contextForExpr(attr.Expr)
				if ctx == nil {
					return
				}
				if v, ok := l.evalAs(attr, ctx, cty.String); ok && !v.IsNull() {
					*f.target = v.AsString()
					b.Ranges[f.name] = attr.Expr.Range()
				}
			}
			if l.checkBackup(b) {
				l.dep.Backup = b
			}
		}
	}
	for _, m := range l.dep.Machines {
		if m.Backup == nil && l.dep.Backup != nil {
			// The machine's repository is below the deployment's, at the
			// same place: the same country and operator, and the block's
			// lines for diagnostics.
			m.Backup = &Backup{
				Repository: strings.TrimSuffix(l.dep.Backup.Repository, "/") + "/" + m.Name,
				Schedule:   l.dep.Backup.Schedule,
				Country:    l.dep.Backup.Country,
				Operator:   l.dep.Backup.Operator,
				Ranges:     l.dep.Backup.Ranges,
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
	ok := b.Country == "" || l.checkCountry(b.Country, b.Ranges["country"])
	if b.Operator != "" && b.Operator != sovereignty.Self {
		if _, known := sovereignty.LookupOperator(b.Operator); !known {
			ids := append(sovereignty.Operators(), sovereignty.Self)
			l.diags = append(l.diags, errorf(b.Ranges["operator"], "Unknown backup operator",
				"%q is not an operator freecloud knows.%s operator says who holds the repository: %s, or %q for your own organisation (the deployment's operator_country).",
				b.Operator, lang.DidYouMean(b.Operator, ids), strings.Join(sovereignty.Operators(), ", "), sovereignty.Self))
			ok = false
		}
	}
	return ok
}

// backupValue reads a machine's backup attribute, an object, keeping the
// range of each key's value when it is written as an object constructor.
func backupValue(v cty.Value, attr *hcl.Attribute, ctx *hcl.EvalContext) *Backup {
	b := &Backup{
		Repository: stringAttr(v, "repository"),
		Schedule:   stringAttr(v, "schedule"),
		Country:    stringAttr(v, "country"),
		Operator:   stringAttr(v, "operator"),
		Ranges:     map[string]hcl.Range{},
		DeclRange:  attr.Expr.Range(),
	}
	_, values := objectItemRanges(attr.Expr, ctx)
	for _, name := range []string{"repository", "schedule", "country", "operator"} {
		if v.GetAttr(name).IsNull() {
			continue
		}
		b.Ranges[name] = attr.Expr.Range()
		if r, ok := values[name]; ok {
			b.Ranges[name] = r
		}
	}
	return b
}

// checkCountry checks an ISO 3166-1 alpha-2 code the operator wrote.
func (l *loader) checkCountry(code string, rng hcl.Range) bool {
	if _, err := sovereignty.Resolve(code, sovereignty.KindCountry); err != nil {
		l.diags = append(l.diags, errorf(rng, "Invalid country", "%s", err))
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
