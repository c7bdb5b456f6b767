package ec2fake_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

func TestVpcComesWithMainTableAndDefaultGroup(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	out := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{
		CidrBlock:         aws.String("10.1.2.3/16"),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeVpc, "Name", "main", "env", "test")},
	}))
	v := out.Vpc
	id := aws.ToString(v.VpcId)
	if !strings.HasPrefix(id, "vpc-") || len(id) != 21 || aws.ToString(v.CidrBlock) != "10.1.0.0/16" || v.State != types.VpcStatePending ||
		tagMap(v.Tags)["env"] != "test" || aws.ToString(v.OwnerId) != f.AccountID() {
		t.Errorf("CreateVpc: %+v", v)
	}
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "main")}}))
	if len(vpcs.Vpcs) != 1 || vpcs.Vpcs[0].State != types.VpcStateAvailable || aws.ToString(vpcs.Vpcs[0].CidrBlockAssociationSet[0].CidrBlock) != "10.1.0.0/16" {
		t.Errorf("DescribeVpcs: %+v", vpcs.Vpcs)
	}

	tables := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("vpc-id", id), filter("association.main", "true")},
	}))
	if len(tables.RouteTables) != 1 {
		t.Fatalf("the VPC has %d main route tables", len(tables.RouteTables))
	}
	main := tables.RouteTables[0]
	if len(main.Tags) != 0 || len(main.Routes) != 1 || aws.ToString(main.Routes[0].GatewayId) != "local" ||
		aws.ToString(main.Routes[0].DestinationCidrBlock) != "10.1.0.0/16" || !aws.ToBool(main.Associations[0].Main) {
		t.Errorf("main route table: %+v", main)
	}
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{filter("vpc-id", id), filter("group-name", "default")},
	}))
	if len(groups.SecurityGroups) != 1 || len(groups.SecurityGroups[0].Tags) != 0 || len(groups.SecurityGroups[0].IpPermissionsEgress) != 1 {
		t.Errorf("default group: %+v", groups.SecurityGroups)
	}
	_, err := c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: groups.SecurityGroups[0].GroupId})
	wantCode(t, err, "CannotDelete")
	_, err = c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: main.RouteTableId})
	wantCode(t, err, "DependencyViolation")

	// Both go with the VPC.
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: &id}))
	if len(f.Objects("route_table")) != 0 || len(f.Objects("security-group")) != 0 {
		t.Errorf("left behind: %v %v", f.Objects("route-table"), f.Objects("security-group"))
	}
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: &id})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestNetworkErrors(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	_, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
	wantCode(t, err, "InvalidVpc.Range")
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeInstance, "a", "b")}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeVpc, "aws:x", "b")}})
	wantCode(t, err, "InvalidParameterValue")
	n := makeNetwork(t, c)
	for _, c2 := range []struct {
		cidr, zone, code string
	}{
		{"10.1.0.0/24", "eu-central-1a", "InvalidSubnet.Range"},
		{"10.0.1.128/25", "eu-central-1a", "InvalidSubnet.Conflict"},
		{"10.0.2.0/24", "us-east-1a", "InvalidParameterValue"},
	} {
		_, err = c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: &c2.cidr, AvailabilityZone: &c2.zone})
		wantCode(t, err, c2.code)
	}
	_, err = c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0000000000000000f"), CidrBlock: aws.String("10.0.2.0/24")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again"), VpcId: &n.vpc})
	wantCode(t, err, "InvalidGroup.Duplicate")
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("nowhere"), Description: aws.String("no VPC")})
	wantCode(t, err, "VPCIdNotSpecified")

	// A second gateway for the VPC, the gateway for a second VPC.
	igw := must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{}))
	_, err = c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &n.vpc})
	wantCode(t, err, "Resource.AlreadyAssociated")
	other := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")}))
	_, err = c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: other.Vpc.VpcId})
	wantCode(t, err, "Resource.AlreadyAssociated")
	_, err = c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: other.Vpc.VpcId})
	wantCode(t, err, "Gateway.NotAttached")

	// The VPC quota: 5 by default, 2 made.
	for range 3 {
		must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16")}))
	}
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16")})
	wantCode(t, err, "VpcLimitExceeded")
}

func TestRoutes(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	rt := must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{
		VpcId: &n.vpc, TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeRouteTable, "Name", "public")},
	}))
	table := rt.RouteTable.RouteTableId
	// The SDK sends a ClientToken with CreateRouteTable: a retry gets
	// the same table.
	again := must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{
		VpcId: &n.vpc, ClientToken: rt.ClientToken,
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeRouteTable, "Name", "public")},
	}))
	if aws.ToString(rt.ClientToken) == "" || aws.ToString(again.RouteTable.RouteTableId) != *table {
		t.Errorf("a CreateRouteTable with the same token: %s, then %s", *table, aws.ToString(again.RouteTable.RouteTableId))
	}
	route := &ec2.CreateRouteInput{RouteTableId: table, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.gateway}
	must[*ec2.CreateRouteOutput](t)(c.CreateRoute(ctx(t), route))
	_, err := c.CreateRoute(ctx(t), route)
	wantCode(t, err, "RouteAlreadyExists")
	stray := must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{}))
	_, err = c.ReplaceRoute(ctx(t), &ec2.ReplaceRouteInput{RouteTableId: table, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: stray.InternetGateway.InternetGatewayId})
	wantCode(t, err, "InvalidParameterValue")
	must[*ec2.ReplaceRouteOutput](t)(c.ReplaceRoute(ctx(t), &ec2.ReplaceRouteInput{RouteTableId: table, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.gateway}))
	_, err = c.DeleteRoute(ctx(t), &ec2.DeleteRouteInput{RouteTableId: table, DestinationCidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DeleteRoute(ctx(t), &ec2.DeleteRouteInput{RouteTableId: table, DestinationCidrBlock: aws.String("192.168.0.0/16")})
	wantCode(t, err, "InvalidRoute.NotFound")

	assoc := must[*ec2.AssociateRouteTableOutput](t)(c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: table, SubnetId: &n.subnet}))
	if !strings.HasPrefix(aws.ToString(assoc.AssociationId), "rtbassoc-") || assoc.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Errorf("AssociateRouteTable: %+v", assoc)
	}
	_, err = c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: table, SubnetId: &n.subnet})
	wantCode(t, err, "Resource.AlreadyAssociated")

	out := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("tag:Name", "public"), filter("association.subnet-id", n.subnet)},
	}))
	if len(out.RouteTables) != 1 {
		t.Fatalf("the public table: %+v", out.RouteTables)
	}
	got := out.RouteTables[0]
	if len(got.Routes) != 2 || aws.ToString(got.Routes[1].GatewayId) != n.gateway || got.Routes[1].State != types.RouteStateActive ||
		len(got.Associations) != 1 || aws.ToString(got.Associations[0].SubnetId) != n.subnet || aws.ToBool(got.Associations[0].Main) {
		t.Errorf("DescribeRouteTables: %+v", got)
	}

	// Deleting the network in the wrong order: each step is refused
	// until what depends on it is gone.
	_, err = c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: table})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: &n.vpc})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteInternetGateway(ctx(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: &n.gateway})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: &n.vpc}))
	out = must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*table}}))
	if out.RouteTables[0].Routes[1].State != types.RouteStateBlackhole {
		t.Errorf("a route to a detached gateway: %+v", out.RouteTables[0].Routes[1])
	}
	gw := must[*ec2.DescribeInternetGatewaysOutput](t)(c.DescribeInternetGateways(ctx(t), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{n.gateway}}))
	if len(gw.InternetGateways[0].Attachments) != 0 {
		t.Errorf("a detached gateway: %+v", gw.InternetGateways[0])
	}
	must[*ec2.DeleteInternetGatewayOutput](t)(c.DeleteInternetGateway(ctx(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: &n.gateway}))
	must[*ec2.DisassociateRouteTableOutput](t)(c.DisassociateRouteTable(ctx(t), &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}))
	_, err = c.DisassociateRouteTable(ctx(t), &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	must[*ec2.DeleteRouteTableOutput](t)(c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: table}))
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: &n.vpc})
	wantCode(t, err, "DependencyViolation") // the subnet and the group
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: &n.subnet}))
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: &n.group}))
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: &n.vpc}))
	for _, typ := range ec2fake.ResourceTypes {
		if objs := f.Objects(typ); len(objs) != 0 && typ != "internet-gateway" {
			t.Errorf("%s left: %v", typ, objs)
		}
	}
}

func TestSecurityGroupRules(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	perms := []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}, Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
		{IpProtocol: aws.String("udp"), FromPort: aws.Int32(60000), ToPort: aws.Int32(61000), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
	}
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.group, IpPermissions: perms}))
	if !aws.ToBool(auth.Return) || len(auth.SecurityGroupRules) != 3 || !strings.HasPrefix(aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId), "sgr-") {
		t.Errorf("AuthorizeSecurityGroupIngress: %+v", auth)
	}
	_, err := c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.group, IpPermissions: perms[:1]})
	wantCode(t, err, "InvalidPermission.Duplicate")
	_, err = c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.group, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(80), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}})
	wantCode(t, err, "InvalidParameterValue")

	out := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{n.group}}))
	g := out.SecurityGroups[0]
	if aws.ToString(g.GroupName) != "web" || aws.ToString(g.Description) != "web servers" || len(g.IpPermissions) != 2 {
		t.Fatalf("DescribeSecurityGroups: %+v", g)
	}
	ssh := g.IpPermissions[0]
	if aws.ToString(ssh.IpProtocol) != "tcp" || aws.ToInt32(ssh.FromPort) != 22 || len(ssh.IpRanges) != 1 || len(ssh.Ipv6Ranges) != 1 ||
		aws.ToString(ssh.Ipv6Ranges[0].CidrIpv6) != "::/0" {
		t.Errorf("the SSH rule: %+v", ssh)
	}
	if e := g.IpPermissionsEgress; len(e) != 1 || aws.ToString(e[0].IpProtocol) != "-1" || e[0].FromPort != nil || aws.ToString(e[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("the default egress rule: %+v", e)
	}
	byPort := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("ip-permission.from-port", "60000")}}))
	if len(byPort.SecurityGroups) != 1 {
		t.Errorf("filter ip-permission.from-port: %+v", byPort.SecurityGroups)
	}

	// Revoking a rule it has and one it has not: the unknown one is
	// reported; revoking only unknown ones fails.
	rev := must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: &n.group, IpPermissions: []types.IpPermission{
		perms[1], {IpProtocol: aws.String("tcp"), FromPort: aws.Int32(25), ToPort: aws.Int32(25), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}}))
	if len(rev.UnknownIpPermissions) != 1 || aws.ToInt32(rev.UnknownIpPermissions[0].FromPort) != 25 || len(rev.RevokedSecurityGroupRules) != 1 {
		t.Errorf("RevokeSecurityGroupIngress: %+v", rev)
	}
	_, err = c.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: &n.group, IpPermissions: perms[1:]})
	wantCode(t, err, "InvalidPermission.NotFound")

	// A group another group's rule refers to cannot go.
	db := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("db"), VpcId: &n.vpc}))
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: db.GroupId, IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &n.group}}},
	}}))
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: &n.group})
	wantCode(t, err, "DependencyViolation")
	dbOut := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*db.GroupId}}))
	if pairs := dbOut.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs; len(pairs) != 1 || aws.ToString(pairs[0].GroupId) != n.group {
		t.Errorf("a rule from a group: %+v", dbOut.SecurityGroups[0].IpPermissions)
	}
	_, err = c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("colour", "red")}})
	wantCode(t, err, "InvalidParameterValue")
	if ids := groupIDs(t, c, filter("group-name", "web", "db")); !slices.Equal(ids, []string{n.group, *db.GroupId}) {
		t.Errorf("two values of a filter are alternatives: %v", ids)
	}
	if ids := groupIDs(t, c, filter("group-name", "web", "db"), filter("description", "web*")); !slices.Equal(ids, []string{n.group}) {
		t.Errorf("two filters both hold: %v", ids)
	}
}

func groupIDs(t *testing.T, c *ec2.Client, filters ...types.Filter) []string {
	out := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: filters}))
	var ids []string
	for _, g := range out.SecurityGroups {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	return ids
}
