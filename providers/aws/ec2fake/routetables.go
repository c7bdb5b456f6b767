package ec2fake

import (
	"net/netip"
	"slices"
	"strconv"
)

// A routeTable routes a VPC's subnets: always the VPC's own block (the
// local route), and the routes clients add. The main table of a VPC has
// the main association; a subnet has at most one association.
type routeTable struct {
	meta
	vpc    string
	routes []*route // besides the local route
	assocs []*association
}

type route struct {
	dest    netip.Prefix
	gateway string
}

type association struct {
	id     string
	subnet string // "" for the main association
	main   bool
}

type routeTableXML struct {
	RouteTableID string           `xml:"routeTableId"`
	VpcID        string           `xml:"vpcId"`
	OwnerID      string           `xml:"ownerId"`
	Routes       []routeXML       `xml:"routeSet>item"`
	Associations []associationXML `xml:"associationSet>item"`
	Tags         []tagXML         `xml:"tagSet>item"`
}

type routeXML struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	GatewayID            string `xml:"gatewayId"`
	State                string `xml:"state"`
	Origin               string `xml:"origin"`
}

type associationXML struct {
	AssociationID string              `xml:"routeTableAssociationId"`
	RouteTableID  string              `xml:"routeTableId"`
	SubnetID      string              `xml:"subnetId,omitempty"`
	Main          bool                `xml:"main"`
	State         associationStateXML `xml:"associationState"`
}

type associationStateXML struct {
	State string `xml:"state"`
}

// routes are a table's routes as EC2 shows them: the local one first; a
// route to a gateway that is gone or no longer attached to the VPC is a
// blackhole.
func (f *Fake) routes(t *routeTable) []routeXML {
	out := []routeXML{{DestinationCidrBlock: f.vpcs[t.vpc].cidr.String(), GatewayID: "local", State: "active", Origin: "CreateRouteTable"}}
	for _, r := range t.routes {
		state := "active"
		if g := f.gateways[r.gateway]; g == nil || g.vpc != t.vpc {
			state = "blackhole"
		}
		out = append(out, routeXML{DestinationCidrBlock: r.dest.String(), GatewayID: r.gateway, State: state, Origin: "CreateRoute"})
	}
	return out
}

func (f *Fake) routeTableXML(t *routeTable) routeTableXML {
	out := routeTableXML{RouteTableID: t.id, VpcID: t.vpc, OwnerID: f.accountID, Routes: f.routes(t), Tags: tagSet(t.tags)}
	for _, a := range t.assocs {
		out.Associations = append(out.Associations, associationXML{
			AssociationID: a.id, RouteTableID: t.id, SubnetID: a.subnet, Main: a.main,
			State: associationStateXML{"associated"},
		})
	}
	return out
}

func (f *Fake) routeTableFilters() filterDefs[*routeTable] {
	assocs := func(get func(*association) string) func(*routeTable) []string {
		return func(t *routeTable) []string {
			var out []string
			for _, a := range t.assocs {
				out = append(out, get(a))
			}
			return out
		}
	}
	routes := func(get func(routeXML) string) func(*routeTable) []string {
		return func(t *routeTable) []string {
			var out []string
			for _, r := range f.routes(t) {
				out = append(out, get(r))
			}
			return out
		}
	}
	return filterDefs[*routeTable]{
		"route-table-id":                         func(t *routeTable) []string { return one(t.id) },
		"vpc-id":                                 func(t *routeTable) []string { return one(t.vpc) },
		"owner-id":                               func(*routeTable) []string { return one(f.accountID) },
		"association.route-table-association-id": assocs(func(a *association) string { return a.id }),
		"association.route-table-id":             func(t *routeTable) []string { return one(t.id) },
		"association.subnet-id":                  assocs(func(a *association) string { return a.subnet }),
		"association.main":                       assocs(func(a *association) string { return strconv.FormatBool(a.main) }),
		"route.destination-cidr-block":           routes(func(r routeXML) string { return r.DestinationCidrBlock }),
		"route.gateway-id":                       routes(func(r routeXML) string { return r.GatewayID }),
		"route.state":                            routes(func(r routeXML) string { return r.State }),
		"route.origin":                           routes(func(r routeXML) string { return r.Origin }),
	}
}

type describeRouteTablesResponse struct {
	head
	RouteTables []routeTableXML `xml:"routeTableSet>item"`
	NextToken   string          `xml:"nextToken,omitempty"`
}

func (f *Fake) describeRouteTables(p params) (any, *apiError) {
	tables, err := selectIDs(f, f.tables, p.list("RouteTableId"))
	if err == nil {
		tables, err = filterItems(p, f.routeTableFilters(), tagsOf, tables)
	}
	var next string
	if err == nil {
		tables, next, err = page(f, p, "DescribeRouteTables", tables, seqOf, 100)
	}
	if err != nil {
		return nil, err
	}
	out := &describeRouteTablesResponse{NextToken: next}
	for _, t := range tables {
		out.RouteTables = append(out.RouteTables, f.routeTableXML(t))
	}
	return out, nil
}

type createRouteTableResponse struct {
	head
	RouteTable  routeTableXML `xml:"routeTable"`
	ClientToken string        `xml:"clientToken,omitempty"`
}

// createRouteTable makes a table with only the local route. With a
// ClientToken (the SDK always sends one) a retry answers the same table.
func (f *Fake) createRouteTable(p params) (any, *apiError) {
	if err := p.require("VpcId"); err != nil {
		return nil, err
	}
	id, err := f.idempotent("CreateRouteTable", p)
	if err != nil {
		return nil, err
	}
	if t := f.tables[id]; t != nil {
		return &createRouteTableResponse{RouteTable: f.routeTableXML(t), ClientToken: p.str("ClientToken")}, nil
	}
	v, err := find(f, f.vpcs, p.str("VpcId"))
	if err != nil {
		return nil, err
	}
	tags, err := p.tagSpecs("route-table")
	if err != nil {
		return nil, err
	}
	t := f.addRouteTable(v, tags["route-table"])
	f.remember("CreateRouteTable", p, t.id)
	return &createRouteTableResponse{RouteTable: f.routeTableXML(t), ClientToken: p.str("ClientToken")}, nil
}

// addRouteTable makes a table in a VPC. The caller holds f.mu.
func (f *Fake) addRouteTable(v *vpc, tags map[string]string) *routeTable {
	t := &routeTable{meta: f.newMeta("route-table", "rtb", tags), vpc: v.id}
	f.tables[t.id] = t
	f.register(t)
	return t
}

// routeArgs reads the table, destination and target of a route request.
// Only internet gateways are targets in the fake.
func (f *Fake) routeArgs(p params, needTarget bool) (*routeTable, netip.Prefix, string, *apiError) {
	if err := p.require("RouteTableId", "DestinationCidrBlock"); err != nil {
		return nil, netip.Prefix{}, "", err
	}
	t, err := find(f, f.tables, p.str("RouteTableId"))
	if err != nil {
		return nil, netip.Prefix{}, "", err
	}
	dest, e := netip.ParsePrefix(p.str("DestinationCidrBlock"))
	if e != nil || !dest.Addr().Is4() {
		return nil, netip.Prefix{}, "", errorf("InvalidParameterValue", "Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", p.str("DestinationCidrBlock"))
	}
	dest = dest.Masked()
	if !needTarget {
		return t, dest, "", nil
	}
	gatewayID := p.str("GatewayId")
	if gatewayID == "" {
		return nil, netip.Prefix{}, "", errorf("InvalidParameterCombination", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId")
	}
	g, err := find(f, f.gateways, gatewayID)
	if err != nil {
		return nil, netip.Prefix{}, "", err
	}
	if g.vpc != t.vpc {
		return nil, netip.Prefix{}, "", errorf("InvalidParameterValue", "route table %s and network gateway %s belong to different networks", t.id, g.id)
	}
	return t, dest, g.id, nil
}

func (t *routeTable) route(dest netip.Prefix) *route {
	for _, r := range t.routes {
		if r.dest == dest {
			return r
		}
	}
	return nil
}

func (f *Fake) isLocal(t *routeTable, dest netip.Prefix) bool {
	return f.vpcs[t.vpc].cidr == dest
}

func (f *Fake) createRoute(p params) (any, *apiError) {
	t, dest, gatewayID, err := f.routeArgs(p, true)
	if err != nil {
		return nil, err
	}
	if t.route(dest) != nil || f.isLocal(t, dest) {
		return nil, errorf("RouteAlreadyExists", "The route identified by %s already exists.", dest)
	}
	t.routes = append(t.routes, &route{dest: dest, gateway: gatewayID})
	return nil, nil
}

func (f *Fake) replaceRoute(p params) (any, *apiError) {
	t, dest, gatewayID, err := f.routeArgs(p, true)
	if err != nil {
		return nil, err
	}
	r := t.route(dest)
	if r == nil {
		return nil, errorf("InvalidParameterValue", "There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest)
	}
	r.gateway = gatewayID
	return nil, nil
}

func (f *Fake) deleteRoute(p params) (any, *apiError) {
	t, dest, _, err := f.routeArgs(p, false)
	if err != nil {
		return nil, err
	}
	if f.isLocal(t, dest) {
		return nil, errorf("InvalidParameterValue", "cannot remove local route %s in route table %s", dest, t.id)
	}
	if t.route(dest) == nil {
		return nil, errorf("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, t.id)
	}
	t.routes = slices.DeleteFunc(t.routes, func(r *route) bool { return r.dest == dest })
	return nil, nil
}

type associateRouteTableResponse struct {
	head
	AssociationID string              `xml:"associationId"`
	State         associationStateXML `xml:"associationState"`
}

// associateRouteTable associates a subnet of the table's VPC that has no
// association yet.
func (f *Fake) associateRouteTable(p params) (any, *apiError) {
	if err := p.require("RouteTableId", "SubnetId"); err != nil {
		return nil, err
	}
	t, err := find(f, f.tables, p.str("RouteTableId"))
	if err != nil {
		return nil, err
	}
	s, err := find(f, f.subnets, p.str("SubnetId"))
	if err != nil {
		return nil, err
	}
	if s.vpc != t.vpc {
		return nil, errorf("InvalidParameterValue", "Route table %s and subnet %s belong to different networks", t.id, s.id)
	}
	for _, other := range f.tables {
		for _, a := range other.assocs {
			if a.subnet == s.id {
				return nil, errorf("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", t.id)
			}
		}
	}
	a := &association{id: f.newID("rtbassoc"), subnet: s.id}
	t.assocs = append(t.assocs, a)
	return &associateRouteTableResponse{AssociationID: a.id, State: associationStateXML{"associated"}}, nil
}

func (f *Fake) disassociateRouteTable(p params) (any, *apiError) {
	if err := p.require("AssociationId"); err != nil {
		return nil, err
	}
	id := p.str("AssociationId")
	for _, t := range f.tables {
		for _, a := range t.assocs {
			if a.id != id {
				continue
			}
			if a.main {
				return nil, errorf("InvalidParameterValue", "cannot disassociate the main route table association %s", id)
			}
			t.assocs = slices.DeleteFunc(t.assocs, func(x *association) bool { return x == a })
			return nil, nil
		}
	}
	return nil, notFound(id)
}

// deleteRouteTable deletes a table that is neither main nor associated.
func (f *Fake) deleteRouteTable(p params) (any, *apiError) {
	if err := p.require("RouteTableId"); err != nil {
		return nil, err
	}
	t, err := find(f, f.tables, p.str("RouteTableId"))
	if err != nil {
		return nil, err
	}
	if len(t.assocs) > 0 {
		return nil, dependencyViolation("routeTable", t.id)
	}
	delete(f.tables, t.id)
	delete(f.objects, t.id)
	return nil, nil
}
