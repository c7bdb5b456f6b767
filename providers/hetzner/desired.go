package hetzner

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/freecloud/freecloud/providers"
)

// DefaultImage is what servers boot first. NixOS is installed over SSH
// afterwards; the image only has to be reachable and is never given
// user_data.
const DefaultImage = "debian-12"

// The labels freecloud puts on every object; freecloud/image remembers a
// server's image should the API forget it (images get deleted).
const (
	labelDeployment = "freecloud/deployment"
	labelKind       = "freecloud/kind"
	labelName       = "freecloud/name"
	labelImage      = "freecloud/image"
	labelPrefix     = "freecloud/"
)

// A private network: one /16 per network zone, machines in one /24.
const (
	networkRange  = "10.0.0.0/16"
	networkSubnet = "10.0.1.0/24"
)

// networkZones maps locations to their network zones: machines in one
// zone can share a private network, machines in two cannot. Desired works
// offline, so the table is here; Validate checks it against the API.
var networkZones = map[string]string{
	"fsn1": "eu-central", "nbg1": "eu-central", "hel1": "eu-central",
	"ash": "us-east", "hil": "us-west", "sin": "ap-southeast",
}

// Suffixes of a machine's primary IPs: <machine>-ipv4, <machine>-ipv6.
const (
	ipv4Suffix = "-ipv4"
	ipv6Suffix = "-ipv6"
)

// Desired derives a deployment's resources from its machines. Per
// machine: a server, a firewall, primary IPs <machine>-ipv4 and
// <machine>-ipv6 (a replaced server keeps its addresses), a volume
// <machine>-<disk> per disk. Across machines: one SSH key per distinct
// admin key, and a private network per network zone that holds two or
// more machines (named after the zone: networks do not span zones).
func (p *Provider) Desired(_ context.Context, deployment string, machines []providers.MachineSpec) ([]*providers.Resource, error) {
	if err := checkName("deployment", deployment); err != nil {
		return nil, err
	}
	perZone := map[string]int{}
	for _, m := range machines {
		perZone[networkZones[m.Location]]++
	}
	byAddress := map[string]*providers.Resource{}
	add := func(r *providers.Resource) error {
		if old, ok := byAddress[r.Address()]; ok && !maps.Equal(old.Attrs, r.Attrs) {
			return fmt.Errorf("hetzner: two resources would be called %s: rename a machine or a disk", r.Address())
		}
		byAddress[r.Address()] = r
		return nil
	}
	for _, m := range machines {
		rs, err := machineResources(deployment, m, perZone[networkZones[m.Location]] >= 2)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	out := slices.Collect(maps.Values(byAddress))
	providers.SortResources(out)
	return out, nil
}

// machineResources are the resources of one machine, the SSH keys and
// network it uses included (the caller merges those across machines).
func machineResources(deployment string, m providers.MachineSpec, networked bool) ([]*providers.Resource, error) {
	where := fmt.Sprintf("hetzner: machine %s", m.Name)
	if err := checkName("machine", m.Name); err != nil {
		return nil, err
	}
	if len(hetznerName(deployment, m.Name)) > 63 {
		return nil, fmt.Errorf("%s: %q is too long a server name (63 characters at most): shorten the deployment or machine name", where, hetznerName(deployment, m.Name))
	}
	if err := m.CheckCloud(); err != nil {
		return nil, fmt.Errorf("hetzner: %w", err)
	}
	labels, err := operatorLabels(m.Labels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	rules, err := providers.InboundRules(m.Ports)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}

	server := &providers.Resource{Kind: "server", Name: m.Name, Attrs: map[string]string{
		"location": m.Location, "server_type": m.Size, "image": DefaultImage, "labels": labels, "network": "",
	}}
	firewall := &providers.Resource{Kind: "firewall", Name: m.Name, Attrs: map[string]string{"rules": rules}}
	out := []*providers.Resource{server, firewall}
	for _, suffix := range []string{ipv4Suffix, ipv6Suffix} {
		out = append(out, &providers.Resource{Kind: "primary_ip", Name: m.Name + suffix, Attrs: map[string]string{
			"type": suffix[1:], "location": m.Location,
		}})
	}
	var volumes []string
	for _, d := range m.Disks {
		if err := checkName("disk", d.Name); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		name := m.Name + "-" + d.Name
		volumes = append(volumes, name)
		out = append(out, &providers.Resource{Kind: "volume", Name: name, Attrs: map[string]string{
			"size": strconv.Itoa(d.SizeGB), "location": m.Location,
		}})
	}
	server.Attrs["volumes"] = providers.JoinSorted(volumes)
	for _, admin := range m.Admins {
		key, err := sshKeyResource(admin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out = append(out, key)
	}
	if zone := networkZones[m.Location]; networked {
		out = append(out, &providers.Resource{Kind: "network", Name: zone, Attrs: map[string]string{
			"ip_range": networkRange, "subnet": networkSubnet, "network_zone": zone,
		}})
		server.Attrs["network"] = zone
	}
	for _, r := range out[1:] {
		server.Refs = append(server.Refs, r.Address())
	}
	slices.Sort(server.Refs)
	server.Refs = slices.Compact(server.Refs)
	return out, nil
}

// hetznerName is an object's name at Hetzner, unique in the project.
func hetznerName(deployment, name string) string { return deployment + "-" + name }

// names are label values (freecloud/name) and parts of host names.
var validName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("hetzner: %s name %q must be lower-case letters, digits and inner dashes, 63 at most (it names objects and hosts at Hetzner)", what, name)
	}
	return nil
}

// operatorLabels is the canonical form of a machine's own labels:
// k=v pairs sorted and joined by commas.
func operatorLabels(labels map[string]string) (string, error) {
	var pairs []string
	for k, v := range labels {
		if strings.HasPrefix(k, labelPrefix) {
			return "", fmt.Errorf("label %q: the prefix %s is freecloud's", k, labelPrefix)
		}
		if !labelKey.MatchString(k) || !labelValue.MatchString(v) {
			return "", fmt.Errorf("label %s=%s: Hetzner takes keys like [prefix/]name and values of up to 63 letters, digits, '-', '_' and '.'", k, v)
		}
		pairs = append(pairs, k+"="+v)
	}
	return providers.JoinSorted(pairs), nil
}

// parseLabels reads operatorLabels' form back.
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			out[k] = v
		}
	}
	return out
}

var (
	labelKey   = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?/)?[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$`)
	labelValue = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?)?$`)
)

// sshKeyResource is the resource of an admin's public key: named from a
// hash of the key proper (type and data, not the comment), so the same
// key is one resource however often and with whatever comment it is
// given; Hetzner holds a key once per project.
func sshKeyResource(publicKey string) (*providers.Resource, error) {
	key, ok := providers.CanonicalKey(publicKey)
	if !ok {
		return nil, fmt.Errorf("admin key %.40q… is not an OpenSSH public key (type, base64 data, comment)", publicKey)
	}
	return &providers.Resource{
		Kind:  "ssh_key",
		Name:  providers.AdminKeyName(key),
		Attrs: map[string]string{"public_key": key},
	}, nil
}

// fingerprint is the MD5 fingerprint by which Hetzner tells keys apart.
func fingerprint(publicKey string) (string, error) {
	fields := strings.Fields(publicKey)
	if len(fields) < 2 {
		return "", fmt.Errorf("not an OpenSSH public key")
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", err
	}
	sum := md5.Sum(blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = hex.EncodeToString([]byte{b})
	}
	return strings.Join(hexes, ":"), nil
}
