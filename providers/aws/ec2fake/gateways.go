package ec2fake

// A gateway is an internet gateway, attached to at most one VPC.
type gateway struct {
	meta
	vpc string // "" while detached
}

type gatewayXML struct {
	InternetGatewayID string          `xml:"internetGatewayId"`
	OwnerID           string          `xml:"ownerId"`
	Attachments       []attachmentXML `xml:"attachmentSet>item"`
	Tags              []tagXML        `xml:"tagSet>item"`
}

// attachmentXML is a gateway's attachment. EC2 says "available" for an
// attached internet gateway, not "attached".
type attachmentXML struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

func (f *Fake) gatewayXML(g *gateway) gatewayXML {
	out := gatewayXML{InternetGatewayID: g.id, OwnerID: f.accountID, Tags: tagSet(g.tags)}
	if g.vpc != "" {
		out.Attachments = []attachmentXML{{VpcID: g.vpc, State: "available"}}
	}
	return out
}

func (f *Fake) gatewayFilters() filterDefs[*gateway] {
	return filterDefs[*gateway]{
		"internet-gateway-id": func(g *gateway) []string { return one(g.id) },
		"attachment.vpc-id":   func(g *gateway) []string { return one(g.vpc) },
		"attachment.state": func(g *gateway) []string {
			if g.vpc == "" {
				return nil
			}
			return one("available")
		},
		"owner-id": func(*gateway) []string { return one(f.accountID) },
	}
}

type describeGatewaysResponse struct {
	head
	Gateways  []gatewayXML `xml:"internetGatewaySet>item"`
	NextToken string       `xml:"nextToken,omitempty"`
}

func (f *Fake) describeInternetGateways(p params) (any, *apiError) {
	gateways, err := selectIDs(f, f.gateways, p.list("InternetGatewayId"))
	if err == nil {
		gateways, err = filterItems(p, f.gatewayFilters(), tagsOf, gateways)
	}
	var next string
	if err == nil {
		gateways, next, err = page(f, p, "DescribeInternetGateways", gateways, seqOf, 1000)
	}
	if err != nil {
		return nil, err
	}
	out := &describeGatewaysResponse{NextToken: next}
	for _, g := range gateways {
		out.Gateways = append(out.Gateways, f.gatewayXML(g))
	}
	return out, nil
}

type createGatewayResponse struct {
	head
	Gateway gatewayXML `xml:"internetGateway"`
}

func (f *Fake) createInternetGateway(p params) (any, *apiError) {
	tags, err := p.tagSpecs("internet-gateway")
	if err != nil {
		return nil, err
	}
	g := f.addGateway(tags["internet-gateway"])
	return &createGatewayResponse{Gateway: f.gatewayXML(g)}, nil
}

// addGateway makes a detached internet gateway. The caller holds f.mu.
func (f *Fake) addGateway(tags map[string]string) *gateway {
	g := &gateway{meta: f.newMeta("internet-gateway", "igw", tags)}
	f.gateways[g.id] = g
	f.register(g)
	return g
}

// gatewayAndVpc looks up the gateway and VPC an attach or detach names.
func (f *Fake) gatewayAndVpc(p params) (*gateway, *vpc, *apiError) {
	if err := p.require("InternetGatewayId", "VpcId"); err != nil {
		return nil, nil, err
	}
	g, err := find(f, f.gateways, p.str("InternetGatewayId"))
	if err != nil {
		return nil, nil, err
	}
	v, err := find(f, f.vpcs, p.str("VpcId"))
	if err != nil {
		return nil, nil, err
	}
	return g, v, nil
}

// attachInternetGateway attaches a gateway to a VPC: neither may have
// another attachment.
func (f *Fake) attachInternetGateway(p params) (any, *apiError) {
	g, v, err := f.gatewayAndVpc(p)
	if err != nil {
		return nil, err
	}
	if g.vpc != "" {
		return nil, errorf("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.id, g.vpc)
	}
	if other := f.vpcGateway(v.id); other != nil {
		return nil, errorf("Resource.AlreadyAssociated", "Network %s already has an internet gateway attached", v.id)
	}
	g.vpc = v.id
	return nil, nil
}

// vpcGateway is the gateway attached to a VPC, if any.
func (f *Fake) vpcGateway(vpcID string) *gateway {
	for _, g := range f.gateways {
		if g.vpc == vpcID {
			return g
		}
	}
	return nil
}

// detachInternetGateway detaches a gateway from the VPC it is attached
// to, unless instances there still have public addresses, which would
// lose their way out.
func (f *Fake) detachInternetGateway(p params) (any, *apiError) {
	g, v, err := f.gatewayAndVpc(p)
	if err != nil {
		return nil, err
	}
	if g.vpc != v.id {
		return nil, errorf("Gateway.NotAttached", "resource %s is not attached to network %s", g.id, v.id)
	}
	for _, i := range f.instances {
		if i.vpc == v.id && i.state != "terminated" && f.publicIP(i) != "" {
			return nil, errorf("DependencyViolation", "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", v.id)
		}
	}
	g.vpc = ""
	return nil, nil
}

func (f *Fake) deleteInternetGateway(p params) (any, *apiError) {
	if err := p.require("InternetGatewayId"); err != nil {
		return nil, err
	}
	g, err := find(f, f.gateways, p.str("InternetGatewayId"))
	if err != nil {
		return nil, err
	}
	if g.vpc != "" {
		return nil, dependencyViolation("internetGateway", g.id)
	}
	delete(f.gateways, g.id)
	delete(f.objects, g.id)
	return nil, nil
}
