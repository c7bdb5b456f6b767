package ec2fake

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// A subnet is a block of its VPC's addresses in one availability zone.
type subnet struct {
	meta
	vpc         string
	cidr        netip.Prefix
	zone        string
	mapPublicIP bool
}

type subnetXML struct {
	SubnetID         string   `xml:"subnetId"`
	SubnetArn        string   `xml:"subnetArn"`
	State            string   `xml:"state"`
	VpcID            string   `xml:"vpcId"`
	OwnerID          string   `xml:"ownerId"`
	CidrBlock        string   `xml:"cidrBlock"`
	AvailableIPs     int      `xml:"availableIpAddressCount"`
	AvailabilityZone string   `xml:"availabilityZone"`
	ZoneID           string   `xml:"availabilityZoneId"`
	DefaultForAz     bool     `xml:"defaultForAz"`
	MapPublicIP      bool     `xml:"mapPublicIpOnLaunch"`
	AssignIpv6       bool     `xml:"assignIpv6AddressOnCreation"`
	Ipv6Native       bool     `xml:"ipv6Native"`
	Tags             []tagXML `xml:"tagSet>item"`
}

func (f *Fake) subnetXML(s *subnet) subnetXML {
	return subnetXML{
		SubnetID: s.id, SubnetArn: f.arn("subnet", s.id), State: "available", VpcID: s.vpc,
		OwnerID: f.accountID, CidrBlock: s.cidr.String(), AvailableIPs: f.availableIPs(s),
		AvailabilityZone: s.zone, ZoneID: f.zoneID(s.zone), MapPublicIP: s.mapPublicIP, Tags: tagSet(s.tags),
	}
}

// arn is the ARN of an object of the fake's account and region.
func (f *Fake) arn(typ, id string) string {
	return "arn:aws:ec2:" + f.region + ":" + f.accountID + ":" + typ + "/" + id
}

func (f *Fake) subnetFilters() filterDefs[*subnet] {
	cidr := func(s *subnet) []string { return one(s.cidr.String()) }
	zone := func(s *subnet) []string { return one(s.zone) }
	return filterDefs[*subnet]{
		"subnet-id":                  func(s *subnet) []string { return one(s.id) },
		"vpc-id":                     func(s *subnet) []string { return one(s.vpc) },
		"cidr-block":                 cidr,
		"cidr":                       cidr,
		"cidrBlock":                  cidr,
		"availability-zone":          zone,
		"availabilityZone":           zone,
		"availability-zone-id":       func(s *subnet) []string { return one(f.zoneID(s.zone)) },
		"available-ip-address-count": func(s *subnet) []string { return one(strconv.Itoa(f.availableIPs(s))) },
		"state":                      func(s *subnet) []string { return one("available") },
		"default-for-az":             func(s *subnet) []string { return boolValue(false) },
		"map-public-ip-on-launch":    func(s *subnet) []string { return boolValue(s.mapPublicIP) },
		"owner-id":                   func(s *subnet) []string { return one(f.accountID) },
		"subnet-arn":                 func(s *subnet) []string { return one(f.arn("subnet", s.id)) },
	}
}

type describeSubnetsResponse struct {
	head
	Subnets   []subnetXML `xml:"subnetSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func (f *Fake) describeSubnets(p params) (any, *apiError) {
	subnets, err := selectIDs(f, f.subnets, p.list("SubnetId"))
	if err == nil {
		subnets, err = filterItems(p, f.subnetFilters(), tagsOf, subnets)
	}
	var next string
	if err == nil {
		subnets, next, err = page(f, p, "DescribeSubnets", subnets, seqOf, 1000)
	}
	if err != nil {
		return nil, err
	}
	out := &describeSubnetsResponse{NextToken: next}
	for _, s := range subnets {
		out.Subnets = append(out.Subnets, f.subnetXML(s))
	}
	return out, nil
}

type createSubnetResponse struct {
	head
	Subnet subnetXML `xml:"subnet"`
}

// createSubnet makes a subnet of a /16 to /28 block inside its VPC's,
// overlapping no other subnet, in one of the region's zones.
func (f *Fake) createSubnet(p params) (any, *apiError) {
	if err := p.require("VpcId", "CidrBlock"); err != nil {
		return nil, err
	}
	v, err := find(f, f.vpcs, p.str("VpcId"))
	if err != nil {
		return nil, err
	}
	cidr, e := netip.ParsePrefix(p.str("CidrBlock"))
	if e != nil || !cidr.Addr().Is4() {
		return nil, errorf("InvalidParameterValue", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", p.str("CidrBlock"))
	}
	cidr = cidr.Masked()
	if cidr.Bits() < 16 || cidr.Bits() > 28 || !v.cidr.Contains(cidr.Addr()) || cidr.Bits() < v.cidr.Bits() {
		return nil, errorf("InvalidSubnet.Range", "The CIDR '%s' is invalid.", p.str("CidrBlock"))
	}
	for _, s := range f.subnets {
		if s.vpc == v.id && s.cidr.Overlaps(cidr) {
			return nil, errorf("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", p.str("CidrBlock"))
		}
	}
	zone, err := f.subnetZone(p)
	if err != nil {
		return nil, err
	}
	tags, err := p.tagSpecs("subnet")
	if err != nil {
		return nil, err
	}
	s := f.addSubnet(v, cidr, zone, tags["subnet"])
	return &createSubnetResponse{Subnet: f.subnetXML(s)}, nil
}

// subnetZone is the zone a new subnet asks for by name or ID; the
// region's first zone if it names none.
func (f *Fake) subnetZone(p params) (string, *apiError) {
	zones := f.zones()
	switch {
	case p.str("AvailabilityZone") != "":
		if zone := p.str("AvailabilityZone"); slices.Contains(zones, zone) {
			return zone, nil
		}
		return "", errorf("InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
			p.str("AvailabilityZone"), strings.Join(zones, ", "))
	case p.str("AvailabilityZoneId") != "":
		for _, zone := range zones {
			if f.zoneID(zone) == p.str("AvailabilityZoneId") {
				return zone, nil
			}
		}
		return "", invalidValue(p.str("AvailabilityZoneId"), "availabilityZoneId")
	}
	return zones[0], nil
}

// addSubnet makes a subnet. The caller holds f.mu.
func (f *Fake) addSubnet(v *vpc, cidr netip.Prefix, zone string, tags map[string]string) *subnet {
	s := &subnet{meta: f.newMeta("subnet", "subnet", tags), vpc: v.id, cidr: cidr, zone: zone}
	f.subnets[s.id] = s
	f.register(s)
	return s
}

// deleteSubnet deletes a subnet no instance is in; its route table
// association goes with it.
func (f *Fake) deleteSubnet(p params) (any, *apiError) {
	if err := p.require("SubnetId"); err != nil {
		return nil, err
	}
	s, err := find(f, f.subnets, p.str("SubnetId"))
	if err != nil {
		return nil, err
	}
	for _, i := range f.instances {
		if i.subnet == s.id && i.state != "terminated" {
			return nil, dependencyViolation("subnet", s.id)
		}
	}
	for _, t := range f.tables {
		t.assocs = slices.DeleteFunc(t.assocs, func(a *association) bool { return a.subnet == s.id })
	}
	delete(f.subnets, s.id)
	delete(f.objects, s.id)
	return nil, nil
}

// usedIPs are the private addresses of a subnet's instances.
func (f *Fake) usedIPs(s *subnet) map[netip.Addr]bool {
	used := map[netip.Addr]bool{}
	for _, i := range f.instances {
		if i.subnet == s.id && i.state != "terminated" {
			used[i.privateIP] = true
		}
	}
	return used
}

// availableIPs counts a subnet's free addresses: EC2 reserves the first
// four and the last of every subnet.
func (f *Fake) availableIPs(s *subnet) int {
	return 1<<(32-s.cidr.Bits()) - 5 - len(f.usedIPs(s))
}

// freeIP is the lowest free private address of a subnet.
func (f *Fake) freeIP(s *subnet) (netip.Addr, bool) {
	used := f.usedIPs(s)
	addr := s.cidr.Addr()
	for range 4 {
		addr = addr.Next()
	}
	for ; s.cidr.Contains(addr.Next()); addr = addr.Next() {
		if !used[addr] {
			return addr, true
		}
	}
	return netip.Addr{}, false
}
