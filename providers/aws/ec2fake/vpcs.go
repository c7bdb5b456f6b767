package ec2fake

import (
	"net/netip"
)

// A vpc is a virtual network. Each comes with a main route table and a
// default security group, both untagged, as at EC2.
type vpc struct {
	meta
	cidr         netip.Prefix
	cidrAssoc    string
	mainTable    string
	defaultGroup string
}

type vpcXML struct {
	VpcID           string          `xml:"vpcId"`
	OwnerID         string          `xml:"ownerId"`
	State           string          `xml:"state"`
	CidrBlock       string          `xml:"cidrBlock"`
	CidrAssocs      []cidrAssocXML  `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID   string          `xml:"dhcpOptionsId"`
	InstanceTenancy string          `xml:"instanceTenancy"`
	IsDefault       bool            `xml:"isDefault"`
	Tags            []tagXML        `xml:"tagSet>item"`
	BlockPublic     *blockPublicXML `xml:"blockPublicAccessStates,omitempty"`
}

type cidrAssocXML struct {
	AssociationID string `xml:"associationId"`
	CidrBlock     string `xml:"cidrBlock"`
	State         struct {
		State string `xml:"state"`
	} `xml:"cidrBlockState"`
}

type blockPublicXML struct {
	InternetGatewayBlockMode string `xml:"internetGatewayBlockMode"`
}

func (f *Fake) vpcXML(v *vpc, state string) vpcXML {
	assoc := cidrAssocXML{AssociationID: v.cidrAssoc, CidrBlock: v.cidr.String()}
	assoc.State.State = "associated"
	return vpcXML{
		VpcID: v.id, OwnerID: f.accountID, State: state, CidrBlock: v.cidr.String(),
		CidrAssocs: []cidrAssocXML{assoc}, DhcpOptionsID: f.dhcp, InstanceTenancy: "default",
		Tags: tagSet(v.tags), BlockPublic: &blockPublicXML{"off"},
	}
}

func (f *Fake) vpcFilters() filterDefs[*vpc] {
	return filterDefs[*vpc]{
		"vpc-id":                                func(v *vpc) []string { return one(v.id) },
		"cidr":                                  func(v *vpc) []string { return one(v.cidr.String()) },
		"cidr-block-association.cidr-block":     func(v *vpc) []string { return one(v.cidr.String()) },
		"cidr-block-association.association-id": func(v *vpc) []string { return one(v.cidrAssoc) },
		"cidr-block-association.state":          func(v *vpc) []string { return one("associated") },
		"state":                                 func(v *vpc) []string { return one("available") },
		"is-default":                            func(v *vpc) []string { return boolValue(false) },
		"dhcp-options-id":                       func(v *vpc) []string { return one(f.dhcp) },
		"owner-id":                              func(v *vpc) []string { return one(f.accountID) },
	}
}

type describeVpcsResponse struct {
	head
	Vpcs      []vpcXML `xml:"vpcSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func (f *Fake) describeVpcs(p params) (any, *apiError) {
	vpcs, err := selectIDs(f, f.vpcs, p.list("VpcId"))
	if err == nil {
		vpcs, err = filterItems(p, f.vpcFilters(), tagsOf, vpcs)
	}
	var next string
	if err == nil {
		vpcs, next, err = page(f, p, "DescribeVpcs", vpcs, seqOf, 1000)
	}
	if err != nil {
		return nil, err
	}
	out := &describeVpcsResponse{NextToken: next}
	for _, v := range vpcs {
		out.Vpcs = append(out.Vpcs, f.vpcXML(v, "available"))
	}
	return out, nil
}

type createVpcResponse struct {
	head
	Vpc vpcXML `xml:"vpc"`
}

// createVpc makes a VPC of a /16 to /28 block, which EC2 brings into its
// canonical form, with its main route table and default security group.
func (f *Fake) createVpc(p params) (any, *apiError) {
	if err := p.require("CidrBlock"); err != nil {
		return nil, err
	}
	cidr, err := netip.ParsePrefix(p.str("CidrBlock"))
	if err != nil || !cidr.Addr().Is4() {
		return nil, errorf("InvalidParameterValue", "Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", p.str("CidrBlock"))
	}
	cidr = cidr.Masked()
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, errorf("InvalidVpc.Range", "The CIDR '%s' is invalid.", p.str("CidrBlock"))
	}
	tags, e := p.tagSpecs("vpc")
	if e != nil {
		return nil, e
	}
	if !f.within("vpc", len(f.vpcs)+1) {
		return nil, errorf("VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	}
	v := f.addVpc(cidr, tags["vpc"])
	return &createVpcResponse{Vpc: f.vpcXML(v, "pending")}, nil
}

// addVpc makes a VPC with its main route table and default security
// group. The caller holds f.mu.
func (f *Fake) addVpc(cidr netip.Prefix, tags map[string]string) *vpc {
	v := &vpc{meta: f.newMeta("vpc", "vpc", tags), cidr: cidr}
	v.cidrAssoc = f.newID("vpc-cidr-assoc")
	f.vpcs[v.id] = v
	f.register(v)
	main := f.addRouteTable(v, nil)
	main.assocs = append(main.assocs, &association{id: f.newID("rtbassoc"), main: true})
	v.mainTable = main.id
	v.defaultGroup = f.addDefaultGroup(v).id
	return v
}

// deleteVpc deletes a VPC once nothing is left in it but its main route
// table and default security group, which go with it.
func (f *Fake) deleteVpc(p params) (any, *apiError) {
	if err := p.require("VpcId"); err != nil {
		return nil, err
	}
	v, err := find(f, f.vpcs, p.str("VpcId"))
	if err != nil {
		return nil, err
	}
	if f.vpcInUse(v) {
		return nil, dependencyViolation("vpc", v.id)
	}
	for _, id := range []string{v.mainTable, v.defaultGroup} {
		delete(f.objects, id)
	}
	delete(f.tables, v.mainTable)
	delete(f.groups, v.defaultGroup)
	delete(f.vpcs, v.id)
	delete(f.objects, v.id)
	return nil, nil
}

// vpcInUse tells whether a VPC still has subnets, attached gateways,
// route tables other than its main one or security groups other than its
// default one.
func (f *Fake) vpcInUse(v *vpc) bool {
	for _, s := range f.subnets {
		if s.vpc == v.id {
			return true
		}
	}
	for _, g := range f.gateways {
		if g.vpc == v.id {
			return true
		}
	}
	for _, t := range f.tables {
		if t.vpc == v.id && t.id != v.mainTable {
			return true
		}
	}
	for _, g := range f.groups {
		if g.vpc == v.id && g.id != v.defaultGroup {
			return true
		}
	}
	return false
}
