package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// The network freecloud makes in a region: a VPC, an internet gateway
// attached to it, a subnet per zone and one route table that sends the
// subnets' traffic to the internet through the gateway.

func (p *Provider) createVPC(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (string, error) {
	out, err := p.client.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock: awssdk.String(r.Attrs["cidr_block"]), TagSpecifications: tagsFor(deployment, r),
	}, noResend)
	if err != nil {
		return "", err
	}
	return awssdk.ToString(out.Vpc.VpcId), nil
}

func (p *Provider) deleteVPC(ctx context.Context, id string) error {
	return p.untilFree(ctx, "VPC "+id+" to be free", func() error {
		_, err := p.client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: awssdk.String(id)})
		return err
	})
}

func (p *Provider) createInternetGateway(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error) {
	vpc, err := existingOr(ids, "vpc", r.Attrs["vpc"])
	if err != nil {
		return "", err
	}
	out, err := p.client.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tagsFor(deployment, r)}, noResend)
	if err != nil {
		return "", err
	}
	id := awssdk.ToString(out.InternetGateway.InternetGatewayId)
	return id, p.attachGateway(ctx, id, vpc)
}

func (p *Provider) attachGateway(ctx context.Context, id, vpc string) error {
	return p.settle(ctx, "internet gateway "+id, func() error {
		_, err := p.client.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: awssdk.String(id), VpcId: awssdk.String(vpc)})
		return err
	})
}

// updateInternetGateway attaches the gateway to its VPC: it was made but
// not attached when a create was cut off.
func (p *Provider) updateInternetGateway(ctx context.Context, _, id string, _, desired *providers.Resource, ids providers.IDs) error {
	if err := p.detachGateway(ctx, id); err != nil {
		return err
	}
	vpc, err := existingOr(ids, "vpc", desired.Attrs["vpc"])
	if err != nil {
		return err
	}
	return p.attachGateway(ctx, id, vpc)
}

// detachGateway detaches a gateway from every VPC it is attached to.
func (p *Provider) detachGateway(ctx context.Context, id string) error {
	out, err := p.client.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if err != nil {
		return err
	}
	for _, g := range out.InternetGateways {
		for _, a := range g.Attachments {
			// EC2 refuses while an instance of the VPC still holds a
			// public address; one just terminated does for a while.
			err := p.untilFree(ctx, "internet gateway "+id+" to detach", func() error {
				_, err := p.client.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: awssdk.String(id), VpcId: a.VpcId})
				return err
			})
			if err != nil && errorCode(err) != "Gateway.NotAttached" {
				return err
			}
		}
	}
	return nil
}

func (p *Provider) deleteInternetGateway(ctx context.Context, id string) error {
	if err := p.detachGateway(ctx, id); err != nil {
		return err
	}
	return p.untilFree(ctx, "internet gateway "+id+" to be free", func() error {
		_, err := p.client.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: awssdk.String(id)})
		return err
	})
}

func (p *Provider) createSubnet(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error) {
	vpc, err := existingOr(ids, "vpc", r.Attrs["vpc"])
	if err != nil {
		return "", err
	}
	var out *ec2.CreateSubnetOutput
	err = p.settle(ctx, "VPC "+vpc, func() (err error) {
		out, err = p.client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: awssdk.String(vpc), CidrBlock: awssdk.String(r.Attrs["cidr_block"]),
			AvailabilityZone: awssdk.String(r.Attrs["availability_zone"]), TagSpecifications: tagsFor(deployment, r),
		}, noResend)
		return err
	})
	if err != nil {
		return "", err
	}
	return awssdk.ToString(out.Subnet.SubnetId), nil
}

func (p *Provider) deleteSubnet(ctx context.Context, id string) error {
	return p.untilFree(ctx, "subnet "+id+" to be free", func() error {
		_, err := p.client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: awssdk.String(id)})
		return err
	})
}

func (p *Provider) createRouteTable(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error) {
	vpc, err := existingOr(ids, "vpc", r.Attrs["vpc"])
	if err != nil {
		return "", err
	}
	var out *ec2.CreateRouteTableOutput
	err = p.settle(ctx, "VPC "+vpc, func() (err error) {
		out, err = p.client.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: awssdk.String(vpc), TagSpecifications: tagsFor(deployment, r)}, noResend)
		return err
	})
	if err != nil {
		return "", err
	}
	id := awssdk.ToString(out.RouteTable.RouteTableId)
	return id, p.updateRouteTable(ctx, deployment, id, &providers.Resource{Attrs: map[string]string{}}, r, ids)
}

// updateRouteTable points the default route at the gateway and
// associates exactly the desired subnets.
func (p *Provider) updateRouteTable(ctx context.Context, _, id string, _, desired *providers.Resource, ids providers.IDs) error {
	var table *types.RouteTable
	err := p.settle(ctx, "route table "+id, func() error {
		out, err := p.client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
		if err == nil && len(out.RouteTables) == 1 {
			table = &out.RouteTables[0]
		}
		return err
	})
	if err != nil {
		return err
	}
	if table == nil {
		return fmt.Errorf("route table %s is gone", id)
	}
	if err := p.defaultRoute(ctx, table, desired, ids); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, zone := range providers.SplitList(desired.Attrs["subnets"]) {
		subnet, err := existingOr(ids, "subnet", zone)
		if err != nil {
			return err
		}
		want[subnet] = true
	}
	for _, a := range table.Associations {
		if a.SubnetId == nil || awssdk.ToBool(a.Main) {
			continue
		}
		if want[*a.SubnetId] {
			delete(want, *a.SubnetId)
			continue
		}
		if _, err := p.client.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId}); err != nil && !isNotFound(err) {
			return err
		}
	}
	for _, subnet := range slices.Sorted(maps.Keys(want)) {
		_, err := p.client.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: awssdk.String(id), SubnetId: awssdk.String(subnet)})
		if err != nil {
			return err
		}
	}
	return nil
}

// defaultRoute makes the table's 0.0.0.0/0 route go to the desired
// gateway, adding or replacing it.
func (p *Provider) defaultRoute(ctx context.Context, table *types.RouteTable, desired *providers.Resource, ids providers.IDs) error {
	gateway, err := refID(ids, "internet_gateway", desired.Attrs["default_route"])
	if err != nil {
		return err
	}
	id := table.RouteTableId
	for _, r := range table.Routes {
		if awssdk.ToString(r.DestinationCidrBlock) != "0.0.0.0/0" {
			continue
		}
		if awssdk.ToString(r.GatewayId) == gateway && r.State != types.RouteStateBlackhole {
			return nil
		}
		_, err := p.client.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: id, DestinationCidrBlock: awssdk.String("0.0.0.0/0"), GatewayId: awssdk.String(gateway)})
		return err
	}
	_, err = p.client.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: id, DestinationCidrBlock: awssdk.String("0.0.0.0/0"), GatewayId: awssdk.String(gateway)})
	return err
}

func (p *Provider) deleteRouteTable(ctx context.Context, id string) error {
	out, err := p.client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if err != nil {
		return err
	}
	for _, t := range out.RouteTables {
		for _, a := range t.Associations {
			if awssdk.ToBool(a.Main) {
				continue
			}
			if _, err := p.client.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId}); err != nil && !isNotFound(err) {
				return err
			}
		}
	}
	return p.untilFree(ctx, "route table "+id+" to be free", func() error {
		_, err := p.client.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: awssdk.String(id)})
		return err
	})
}
