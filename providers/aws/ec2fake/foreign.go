package ec2fake

import (
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/crypto/ssh"
)

// AddForeign makes an object of a resource type (see ResourceTypes)
// directly, without a request: something the account holds that the
// client under test did not make (another tool's, or an operator's), with
// tags (nil for none) and a Name tag of name. Key pairs and security
// groups are also called name. It is as small as the type allows: a VPC
// of 172.31.0.0/16; a subnet, route table, security group or instance in
// a VPC of its own ("foreign-network"); an unattached internet gateway,
// Elastic IP (quotas do not stop it) and 8 GiB volume; an ed25519 key; a
// running t3.micro. It returns the object's ID.
func (f *Fake) AddForeign(resourceType, name string, tags map[string]string) string {
	typ := f.resourceType(resourceType)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	// It is ready already, and everybody sees it.
	opTime, hideNew := f.opTime, f.hideNew
	f.opTime, f.hideNew = 0, 0
	defer func() { f.opTime, f.hideNew = opTime, hideNew }()
	own := clone(tags)
	own["Name"] = name
	switch typ {
	case "key-pair":
		k, err := f.addKeyPair(name, foreignKey(name), own)
		f.check(typ, name, err)
		return k.id
	case "vpc":
		return f.addVpc(netip.MustParsePrefix("172.31.0.0/16"), own).id
	case "subnet":
		v := f.foreignNetwork()
		s := f.addSubnet(v, f.foreignBlock(v), f.zones()[0], own)
		return s.id
	case "internet-gateway":
		return f.addGateway(own).id
	case "route-table":
		return f.addRouteTable(f.foreignNetwork(), own).id
	case "security-group":
		v := f.foreignNetwork()
		for _, g := range f.groups {
			if g.vpc == v.id && g.name == name {
				f.t.Fatalf("ec2fake: AddForeign: a foreign security group %q exists already", name)
			}
		}
		return f.addGroup(v, name, "made by someone else", own).id
	case "elastic-ip":
		a, err := f.addAddress(own)
		f.check(typ, name, err)
		return a.id
	case "volume":
		spec := volumeSpec{size: 8, vtype: "gp3"}
		spec.iops, spec.throughput = performance(spec.vtype, spec.size)
		return f.addVolume(f.zones()[0], spec, own).id
	case "instance":
		return f.foreignInstance(own).id
	}
	return ""
}

func (f *Fake) check(typ, name string, err *apiError) {
	if err != nil {
		f.t.Fatalf("ec2fake: AddForeign %s %q: %s", typ, name, err)
	}
}

// foreignKey is an OpenSSH public key line of a new key.
func foreignKey(name string) string {
	pub, _, _ := ed25519.GenerateKey(nil)
	key, _ := ssh.NewPublicKey(pub)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + " " + name
}

// foreignNetwork is the VPC foreign objects that need one go into.
func (f *Fake) foreignNetwork() *vpc {
	for _, v := range sorted(f.vpcs) {
		if v.tags["Name"] == "foreign-network" {
			return v
		}
	}
	return f.addVpc(netip.MustParsePrefix("172.31.0.0/16"), map[string]string{"Name": "foreign-network"})
}

// foreignBlock is a /24 of a VPC that no subnet has.
func (f *Fake) foreignBlock(v *vpc) netip.Prefix {
	for n := 0; n < 256; n++ {
		a := v.cidr.Addr().As4()
		a[2] = byte(n)
		block := netip.PrefixFrom(netip.AddrFrom4(a), 24)
		taken := false
		for _, s := range f.subnets {
			taken = taken || s.vpc == v.id && s.cidr.Overlaps(block)
		}
		if !taken {
			return block
		}
	}
	f.t.Fatalf("ec2fake: AddForeign: the foreign network is full")
	return netip.Prefix{}
}

// foreignInstance launches a running t3.micro in the foreign network.
func (f *Fake) foreignInstance(tags map[string]string) *instance {
	v := f.foreignNetwork()
	var s *subnet
	for _, x := range sorted(f.subnets) {
		if x.vpc == v.id && f.availableIPs(x) > 0 {
			s = x
			break
		}
	}
	if s == nil {
		s = f.addSubnet(v, f.foreignBlock(v), f.zones()[0], map[string]string{"Name": "foreign-subnet"})
	}
	var img *image
	for _, x := range f.images {
		if x.arch == "x86_64" && x.state == "available" && (img == nil || x.seq < img.seq) {
			img = x
		}
	}
	if img == nil {
		f.addImage(Image{Name: "foreign-image", OwnerID: f.accountID, Architecture: "x86_64", CreationDate: f.now()})
		return f.foreignInstance(tags)
	}
	l := &launch{
		image: img, itype: instanceTypeNamed("t3.micro"), subnet: s, groups: []string{v.defaultGroup},
		root: volumeSpec{size: img.rootSize, vtype: "gp3", iops: 3000, throughput: 125}, rootDelete: true,
		tags: map[string]map[string]string{"instance": tags}, httpTokens: "required",
	}
	i := f.launchInstance(l, f.newID("r"), 0)
	if i.state != "running" {
		panic(fmt.Sprintf("ec2fake: a foreign instance is %s", i.state))
	}
	return i
}
