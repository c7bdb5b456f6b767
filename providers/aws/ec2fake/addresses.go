package ec2fake

import (
	"net/netip"
	"slices"
)

// An address is an Elastic IP: a public IPv4 address of the account,
// associated with at most one instance.
type address struct {
	meta
	publicIP    netip.Addr
	instance    string // "" while not associated
	association string
}

// Public addresses come from the documentation ranges of RFC 5737, so no
// test ever reaches a real host: Elastic IPs from 203.0.113.0/24, the
// addresses EC2 gives instances of their own from 198.51.100.0/24.
var (
	elasticRange   = netip.MustParsePrefix("203.0.113.0/24")
	ephemeralRange = netip.MustParsePrefix("198.51.100.0/24")
)

type addressXML struct {
	PublicIP           string   `xml:"publicIp"`
	AllocationID       string   `xml:"allocationId"`
	Domain             string   `xml:"domain"`
	InstanceID         string   `xml:"instanceId,omitempty"`
	AssociationID      string   `xml:"associationId,omitempty"`
	NetworkInterfaceID string   `xml:"networkInterfaceId,omitempty"`
	InterfaceOwnerID   string   `xml:"networkInterfaceOwnerId,omitempty"`
	PrivateIPAddress   string   `xml:"privateIpAddress,omitempty"`
	Tags               []tagXML `xml:"tagSet>item"`
	PublicIpv4Pool     string   `xml:"publicIpv4Pool"`
	NetworkBorderGroup string   `xml:"networkBorderGroup"`
}

func (f *Fake) addressXML(a *address) addressXML {
	out := addressXML{
		PublicIP: a.publicIP.String(), AllocationID: a.id, Domain: "vpc", Tags: tagSet(a.tags),
		PublicIpv4Pool: "amazon", NetworkBorderGroup: f.region,
	}
	if i := f.instances[a.instance]; i != nil {
		out.InstanceID, out.AssociationID = i.id, a.association
		out.NetworkInterfaceID, out.InterfaceOwnerID, out.PrivateIPAddress = i.eni, f.accountID, i.privateIP.String()
	}
	return out
}

func (f *Fake) addressFilters() filterDefs[*address] {
	ifAssociated := func(get func(*address) string) func(*address) []string {
		return func(a *address) []string {
			if a.instance == "" {
				return nil
			}
			return one(get(a))
		}
	}
	return filterDefs[*address]{
		"allocation-id":              func(a *address) []string { return one(a.id) },
		"association-id":             ifAssociated(func(a *address) string { return a.association }),
		"instance-id":                ifAssociated(func(a *address) string { return a.instance }),
		"network-interface-id":       ifAssociated(func(a *address) string { return f.instances[a.instance].eni }),
		"network-interface-owner-id": ifAssociated(func(*address) string { return f.accountID }),
		"private-ip-address":         ifAssociated(func(a *address) string { return f.instances[a.instance].privateIP.String() }),
		"public-ip":                  func(a *address) []string { return one(a.publicIP.String()) },
		"domain":                     func(*address) []string { return one("vpc") },
		"network-border-group":       func(*address) []string { return one(f.region) },
	}
}

type describeAddressesResponse struct {
	head
	Addresses []addressXML `xml:"addressesSet>item"`
}

// describeAddresses lists Elastic IPs; EC2 does not paginate them.
func (f *Fake) describeAddresses(p params) (any, *apiError) {
	addresses, err := selectIDs(f, f.addresses, p.list("AllocationId"))
	if err != nil {
		return nil, err
	}
	if ips := p.list("PublicIp"); len(ips) > 0 {
		var named []*address
		for _, ip := range ips {
			a := f.addressOf(ip)
			if a == nil || !slices.Contains(addresses, a) {
				return nil, errorf("InvalidAddress.NotFound", "Address '%s' not found.", ip)
			}
			named = append(named, a)
		}
		addresses = named
	}
	addresses, err = filterItems(p, f.addressFilters(), tagsOf, addresses)
	if err != nil {
		return nil, err
	}
	out := &describeAddressesResponse{}
	for _, a := range addresses {
		out.Addresses = append(out.Addresses, f.addressXML(a))
	}
	return out, nil
}

func (f *Fake) addressOf(ip string) *address {
	for _, a := range f.addresses {
		if a.publicIP.String() == ip {
			return a
		}
	}
	return nil
}

type allocateAddressResponse struct {
	head
	PublicIP           string `xml:"publicIp"`
	AllocationID       string `xml:"allocationId"`
	Domain             string `xml:"domain"`
	PublicIpv4Pool     string `xml:"publicIpv4Pool"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
}

// allocateAddress allocates an Elastic IP within the region's quota.
func (f *Fake) allocateAddress(p params) (any, *apiError) {
	if d := p.str("Domain"); d != "" && d != "vpc" {
		return nil, invalidValue(d, "Domain")
	}
	tags, err := p.tagSpecs("elastic-ip")
	if err != nil {
		return nil, err
	}
	if !f.within("elastic-ip", len(f.addresses)+1) {
		return nil, errorf("AddressLimitExceeded", "The maximum number of addresses has been reached.")
	}
	a, err := f.addAddress(tags["elastic-ip"])
	if err != nil {
		return nil, err
	}
	f.hide(&a.meta)
	return &allocateAddressResponse{
		PublicIP: a.publicIP.String(), AllocationID: a.id, Domain: "vpc",
		PublicIpv4Pool: "amazon", NetworkBorderGroup: f.region,
	}, nil
}

// addAddress allocates an Elastic IP. The caller holds f.mu.
func (f *Fake) addAddress(tags map[string]string) (*address, *apiError) {
	ip, ok := f.freePublicIP(elasticRange)
	if !ok {
		return nil, errorf("InsufficientAddressCapacity", "There are not enough free addresses in %s.", elasticRange)
	}
	a := &address{meta: f.newMeta("elastic-ip", "eipalloc", tags), publicIP: ip}
	f.addresses[a.id] = a
	f.register(a)
	return a, nil
}

// freePublicIP is the lowest address of a range that no Elastic IP and no
// instance has.
func (f *Fake) freePublicIP(r netip.Prefix) (netip.Addr, bool) {
	used := map[netip.Addr]bool{}
	for _, a := range f.addresses {
		used[a.publicIP] = true
	}
	for _, i := range f.instances {
		used[i.publicIP] = true
	}
	for ip := r.Addr().Next(); r.Contains(ip.Next()); ip = ip.Next() {
		if !used[ip] {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// addressArg finds the address a request names by AllocationId or
// PublicIp.
func (f *Fake) addressArg(p params) (*address, *apiError) {
	switch {
	case p.str("AllocationId") != "":
		return find(f, f.addresses, p.str("AllocationId"))
	case p.str("PublicIp") != "":
		if a := f.addressOf(p.str("PublicIp")); a != nil {
			return a, nil
		}
		return nil, errorf("InvalidAddress.NotFound", "Address '%s' not found.", p.str("PublicIp"))
	}
	return nil, errorf("MissingParameter", "The request must contain the parameter AllocationId")
}

type associateAddressResponse struct {
	head
	Return        bool   `xml:"return"`
	AssociationID string `xml:"associationId"`
}

// associateAddress puts an Elastic IP on a running or stopped instance in
// a VPC with an internet gateway. An address held elsewhere moves only
// with AllowReassociation; an address the instance had before is taken
// off it.
func (f *Fake) associateAddress(p params) (any, *apiError) {
	a, err := f.addressArg(p)
	if err != nil {
		return nil, err
	}
	var i *instance
	switch {
	case p.str("InstanceId") != "":
		i, err = find(f, f.instances, p.str("InstanceId"))
	case p.str("NetworkInterfaceId") != "":
		i = f.instanceWithInterface(p.str("NetworkInterfaceId"))
		if i == nil {
			err = errorf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", p.str("NetworkInterfaceId"))
		}
	default:
		err = errorf("MissingParameter", "Either instance ID or network interface id must be specified")
	}
	if err != nil {
		return nil, err
	}
	if i.state != "running" && i.state != "stopped" {
		return nil, errorf("IncorrectInstanceState", "The %s instance '%s' is not in a valid state for this operation.", i.state, i.id)
	}
	if f.vpcGateway(i.vpc) == nil {
		return nil, errorf("Gateway.NotAttached", "Network %s is not attached to any internet gateway", i.vpc)
	}
	if a.instance != "" && a.instance != i.id && !p.bool("AllowReassociation") {
		return nil, errorf("Resource.AlreadyAssociated", "resource %s is already associated with associate-id %s", a.id, a.association)
	}
	for _, other := range f.addresses {
		if other != a && other.instance == i.id {
			other.instance, other.association = "", ""
		}
	}
	a.instance, a.association = i.id, f.newID("eipassoc")
	return &associateAddressResponse{Return: true, AssociationID: a.association}, nil
}

func (f *Fake) disassociateAddress(p params) (any, *apiError) {
	var a *address
	switch {
	case p.str("AssociationId") != "":
		for _, x := range f.addresses {
			if x.instance != "" && x.association == p.str("AssociationId") {
				a = x
			}
		}
		if a == nil {
			return nil, notFound(p.str("AssociationId"))
		}
	case p.str("PublicIp") != "":
		if a = f.addressOf(p.str("PublicIp")); a == nil || a.instance == "" {
			return nil, errorf("InvalidAssociationID.NotFound", "The address %s is not associated", p.str("PublicIp"))
		}
	default:
		return nil, errorf("MissingParameter", "The request must contain the parameter AssociationId")
	}
	a.instance, a.association = "", ""
	return nil, nil
}

// releaseAddress gives an Elastic IP back; it must not be associated.
func (f *Fake) releaseAddress(p params) (any, *apiError) {
	a, err := f.addressArg(p)
	if err != nil {
		return nil, err
	}
	if a.instance != "" {
		return nil, errorf("InvalidIPAddress.InUse", "Address %s is in use.", a.publicIP)
	}
	delete(f.addresses, a.id)
	delete(f.objects, a.id)
	return nil, nil
}

// elasticIP is the Elastic IP of an instance, if it has one.
func (f *Fake) elasticIP(i *instance) *address {
	for _, a := range f.addresses {
		if a.instance == i.id {
			return a
		}
	}
	return nil
}

// publicIP is an instance's public address: its Elastic IP, else the
// address EC2 gave it at launch, else "".
func (f *Fake) publicIP(i *instance) string {
	if a := f.elasticIP(i); a != nil {
		return a.publicIP.String()
	}
	if i.publicIP.IsValid() {
		return i.publicIP.String()
	}
	return ""
}
