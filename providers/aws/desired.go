package aws

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/freecloud/freecloud/providers"
)

// The tags freecloud puts on every object, and the Name tag the EC2
// console shows: <deployment>-<name>.
const (
	tagDeployment = "freecloud:deployment"
	tagKind       = "freecloud:kind"
	tagName       = "freecloud:name"
	tagPrefix     = "freecloud:"
	tagConsole    = "Name"
)

// The network freecloud makes: one VPC per region, a /24 per availability
// zone numbered after the zone's letter (a → 10.0.1.0/24), so that adding
// a zone never renumbers another.
const vpcCIDR = "10.0.0.0/16"

// rootVolumeGB is the size of an instance's root volume: room for the
// Nix store of a few generations. NixOS's EC2 image grows its root file
// system to the volume at boot.
const rootVolumeGB = 20

// Desired derives a deployment's resources from its machines. Per
// machine: an instance, a security group, an Elastic IP, a volume
// <machine>-<disk> per disk. Across machines: a key pair per distinct
// admin key and, unless the provider block names an existing subnet, the
// region's VPC, internet gateway and route table (named after the region)
// and a subnet per availability zone used (named after the zone). It
// reads the region's catalogue (zones, newest NixOS images) once.
func (p *Provider) Desired(ctx context.Context, deployment string, machines []providers.MachineSpec) ([]*providers.Resource, error) {
	if err := checkName("deployment", deployment); err != nil {
		return nil, err
	}
	if len(machines) == 0 {
		return nil, nil
	}
	cat, err := p.catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws: %w", err)
	}
	byAddress := map[string]*providers.Resource{}
	add := func(r *providers.Resource) error {
		if old, ok := byAddress[r.Address()]; ok && !maps.Equal(old.Attrs, r.Attrs) {
			return fmt.Errorf("aws: two resources would be called %s: rename a machine or a disk", r.Address())
		}
		byAddress[r.Address()] = r
		return nil
	}
	var zones []string
	for _, m := range machines {
		zone := p.zoneOf(m, cat)
		zones = append(zones, zone)
		rs, err := p.machineResources(m, zone, cat)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	if p.ownNetwork() {
		for _, r := range p.network(zones) {
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	out := slices.Collect(maps.Values(byAddress))
	providers.SortResources(out)
	return out, nil
}

// zoneOf is the availability zone a machine goes into: its location when
// that is a zone; the existing subnet's zone, or else the region's first
// zone, when it is the region. Anything else is kept for Validate to
// point at.
func (p *Provider) zoneOf(m providers.MachineSpec, cat *catalog) string {
	switch {
	case m.Location != p.region:
		return m.Location
	case cat.subnet != nil:
		return awssdk.ToString(cat.subnet.AvailabilityZone)
	case len(cat.zones) > 0:
		return cat.zones[0]
	}
	return m.Location
}

// network is the VPC, internet gateway, route table and subnets that
// freecloud makes for machines in zones.
func (p *Provider) network(zones []string) []*providers.Resource {
	slices.Sort(zones)
	zones = slices.Compact(zones)
	region := p.region
	out := []*providers.Resource{
		{Kind: "vpc", Name: region, Attrs: map[string]string{"cidr_block": vpcCIDR}},
		{Kind: "internet_gateway", Name: region, Attrs: map[string]string{"vpc": region}, Refs: []string{"vpc." + region}},
	}
	table := &providers.Resource{Kind: "route_table", Name: region, Attrs: map[string]string{
		"vpc": region, "default_route": region, "subnets": providers.JoinSorted(zones),
	}, Refs: []string{"internet_gateway." + region, "vpc." + region}}
	for _, z := range zones {
		out = append(out, &providers.Resource{Kind: "subnet", Name: z, Attrs: map[string]string{
			"vpc": region, "cidr_block": zoneCIDR(z), "availability_zone": z,
		}, Refs: []string{"vpc." + region}})
		table.Refs = append(table.Refs, "subnet."+z)
	}
	slices.Sort(table.Refs)
	return append(out, table)
}

// zoneCIDR is a zone's subnet: 10.0.<n>.0/24, n the place of the zone's
// letter in the alphabet (eu-central-1a → 10.0.1.0/24).
func zoneCIDR(zone string) string {
	n := 0
	if zone != "" {
		if c := zone[len(zone)-1]; 'a' <= c && c <= 'z' {
			n = int(c-'a') + 1
		}
	}
	return fmt.Sprintf("10.0.%d.0/24", n)
}

// machineResources are the resources of one machine, its admins' key
// pairs included (the caller merges those across machines).
func (p *Provider) machineResources(m providers.MachineSpec, zone string, cat *catalog) ([]*providers.Resource, error) {
	where := fmt.Sprintf("aws: machine %s", m.Name)
	if err := checkName("machine", m.Name); err != nil {
		return nil, err
	}
	if err := m.CheckCloud(); err != nil {
		return nil, fmt.Errorf("aws: %w", err)
	}
	labels, err := operatorTags(m.Labels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	rules, err := providers.InboundRules(m.Ports)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	kind, _ := providers.Lookup("aws")
	arch := ec2Architecture(kind.Platform(m.Size))
	vpc, subnet := p.opts.VPC, p.opts.Subnet
	if p.ownNetwork() {
		vpc, subnet = p.region, zone
	}

	var out []*providers.Resource
	var keys []string
	for _, admin := range m.Admins {
		key, ok := providers.CanonicalKey(admin)
		if !ok {
			return nil, fmt.Errorf("%s: admin key %.40q… is not an OpenSSH public key (type, base64 data, comment)", where, admin)
		}
		keys = append(keys, providers.AdminKeyName(key))
		out = append(out, &providers.Resource{Kind: "key_pair", Name: providers.AdminKeyName(key), Attrs: map[string]string{"public_key": key}})
	}
	group := &providers.Resource{Kind: "security_group", Name: m.Name, Attrs: map[string]string{"vpc": vpc, "rules": rules}}
	if p.ownNetwork() {
		group.Refs = []string{"vpc." + p.region}
	}
	address := &providers.Resource{Kind: "elastic_ip", Name: m.Name, Attrs: map[string]string{}}
	instance := &providers.Resource{Kind: "instance", Name: m.Name, Attrs: map[string]string{
		"instance_type": m.Size, "architecture": arch, "subnet": subnet, "availability_zone": zone,
		"security_group": m.Name, "elastic_ip": m.Name, "labels": labels,
		// EC2 installs one key pair; the other admins' keys come with
		// the first deploy, which writes them all.
		"key_pair": keys[0],
		"image":    cat.images[arch].ID,
	}}
	out = append(out, group, address, instance)
	var volumes []string
	for _, d := range m.Disks {
		if err := checkName("disk", d.Name); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		name := m.Name + "-" + d.Name
		volumes = append(volumes, name)
		out = append(out, &providers.Resource{Kind: "volume", Name: name, Attrs: map[string]string{
			"size": strconv.Itoa(d.SizeGB), "availability_zone": zone, "type": "gp3",
		}})
	}
	instance.Attrs["volumes"] = providers.JoinSorted(volumes)
	for _, r := range out {
		if r != instance {
			instance.Refs = append(instance.Refs, r.Address())
		}
	}
	if p.ownNetwork() {
		instance.Refs = append(instance.Refs, "subnet."+zone, "route_table."+p.region)
	}
	slices.Sort(instance.Refs)
	instance.Refs = slices.Compact(instance.Refs)
	return out, nil
}

// names are tag values and parts of EC2 names.
var validName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("aws: %s name %q must be lower-case letters, digits and inner dashes, 63 at most", what, name)
	}
	return nil
}

// EC2 tag keys and values: letters, digits, spaces and + - = . _ : / @,
// keys up to 128 characters, values up to 256. Keys here hold no '=' and
// nothing holds ',', the separators of the canonical form.
var (
	tagKeyRe   = regexp.MustCompile(`^[\p{L}\p{N} +\-._:/@]{1,128}$`)
	tagValueRe = regexp.MustCompile(`^[\p{L}\p{N} +\-=._:/@]{0,256}$`)
)

// operatorTags is the canonical form of a machine's own labels, which
// become tags of its instance: k=v pairs sorted and joined by commas.
func operatorTags(labels map[string]string) (string, error) {
	var pairs []string
	for k, v := range labels {
		switch {
		case strings.HasPrefix(k, tagPrefix):
			return "", fmt.Errorf("label %q: the prefix %s is freecloud's", k, tagPrefix)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return "", fmt.Errorf("label %q: the prefix aws: is AWS's", k)
		case k == tagConsole:
			return "", fmt.Errorf("label %q: freecloud sets the Name tag to <deployment>-<machine>", k)
		case !tagKeyRe.MatchString(k) || !tagValueRe.MatchString(v):
			return "", fmt.Errorf("label %s=%s: EC2 tags take letters, digits, spaces and + - = . _ : / @ (keys without '='), keys up to 128 characters and values up to 256", k, v)
		}
		pairs = append(pairs, k+"="+v)
	}
	return providers.JoinSorted(pairs), nil
}

// parseTags reads operatorTags' form back.
func parseTags(s string) map[string]string {
	out := map[string]string{}
	for _, pair := range providers.SplitList(s) {
		if k, v, ok := strings.Cut(pair, "="); ok {
			out[k] = v
		}
	}
	return out
}
