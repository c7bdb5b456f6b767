package aws

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/sync/errgroup"

	"github.com/freecloud/freecloud/providers"
)

// The largest pages each Describe call allows: the fewer pages, the
// fewer requests a plan makes.
const (
	maxPage       = 1000
	maxVolumePage = 500
	maxRoutePage  = 100
)

// listing is what the Describe calls of one List found, one field per
// kind, before it is turned into resources: references between objects
// are EC2 IDs, which become freecloud names only once every kind is in.
type listing struct {
	deployment   string
	keyPairs     []types.KeyPairInfo
	vpcs         []types.Vpc
	gateways     []types.InternetGateway
	subnets      []types.Subnet
	routeTables  []types.RouteTable
	groups       []types.SecurityGroup
	addresses    []types.Address
	volumes      []types.Volume
	reservations []types.Reservation
}

// List reads every object tagged with the deployment: one tag-filtered
// Describe call per kind, as many pages as it needs, all kinds at once.
func (p *Provider) List(ctx context.Context, deployment string) ([]*providers.Resource, error) {
	l := &listing{deployment: deployment}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		out, err := p.client.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: ownedBy(deployment, "key_pair"), IncludePublicKey: awssdk.Bool(true)})
		if err == nil {
			l.keyPairs = out.KeyPairs
		}
		return listErr("key pairs", err)
	})
	g.Go(func() (err error) {
		out, err := p.client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: ownedBy(deployment, "elastic_ip")})
		if err == nil {
			l.addresses = out.Addresses
		}
		return listErr("Elastic IPs", err)
	})
	g.Go(func() error {
		pages := ec2.NewDescribeVpcsPaginator(p.client, &ec2.DescribeVpcsInput{Filters: ownedBy(deployment, "vpc"), MaxResults: awssdk.Int32(maxPage)})
		return listErr("VPCs", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeVpcsOutput) { l.vpcs = append(l.vpcs, o.Vpcs...) }))
	})
	g.Go(func() error {
		pages := ec2.NewDescribeInternetGatewaysPaginator(p.client, &ec2.DescribeInternetGatewaysInput{Filters: ownedBy(deployment, "internet_gateway"), MaxResults: awssdk.Int32(maxPage)})
		return listErr("internet gateways", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeInternetGatewaysOutput) {
			l.gateways = append(l.gateways, o.InternetGateways...)
		}))
	})
	g.Go(func() error {
		pages := ec2.NewDescribeSubnetsPaginator(p.client, &ec2.DescribeSubnetsInput{Filters: ownedBy(deployment, "subnet"), MaxResults: awssdk.Int32(maxPage)})
		return listErr("subnets", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeSubnetsOutput) { l.subnets = append(l.subnets, o.Subnets...) }))
	})
	g.Go(func() error {
		pages := ec2.NewDescribeRouteTablesPaginator(p.client, &ec2.DescribeRouteTablesInput{Filters: ownedBy(deployment, "route_table"), MaxResults: awssdk.Int32(maxRoutePage)})
		return listErr("route tables", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeRouteTablesOutput) {
			l.routeTables = append(l.routeTables, o.RouteTables...)
		}))
	})
	g.Go(func() error {
		pages := ec2.NewDescribeSecurityGroupsPaginator(p.client, &ec2.DescribeSecurityGroupsInput{Filters: ownedBy(deployment, "security_group"), MaxResults: awssdk.Int32(maxPage)})
		return listErr("security groups", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeSecurityGroupsOutput) {
			l.groups = append(l.groups, o.SecurityGroups...)
		}))
	})
	g.Go(func() error {
		pages := ec2.NewDescribeVolumesPaginator(p.client, &ec2.DescribeVolumesInput{Filters: ownedBy(deployment, "volume"), MaxResults: awssdk.Int32(maxVolumePage)})
		return listErr("volumes", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeVolumesOutput) { l.volumes = append(l.volumes, o.Volumes...) }))
	})
	g.Go(func() error {
		filters := append(ownedBy(deployment, "instance"), types.Filter{
			// A terminated instance stays visible for an hour; it is gone.
			Name: awssdk.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"},
		})
		pages := ec2.NewDescribeInstancesPaginator(p.client, &ec2.DescribeInstancesInput{Filters: filters, MaxResults: awssdk.Int32(maxPage)})
		return listErr("instances", collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeInstancesOutput) {
			l.reservations = append(l.reservations, o.Reservations...)
		}))
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return l.resources(), nil
}

func listErr(what string, err error) error {
	if err != nil {
		return fmt.Errorf("listing %s: %w", what, explain(err))
	}
	return nil
}

// collect reads every page of a paginator.
func collect[O any](ctx context.Context, more func() bool, next func(context.Context, ...func(*ec2.Options)) (O, error), keep func(O)) error {
	for more() {
		page, err := next(ctx)
		if err != nil {
			return err
		}
		keep(page)
	}
	return nil
}

// names maps the EC2 IDs of the deployment's objects to freecloud names,
// per kind; an ID of an object freecloud did not make (an existing VPC)
// stays as it is.
type names map[string]string

func (n names) of(id string) string {
	if name, ok := n[id]; ok {
		return name
	}
	return id
}

// resources turns what was listed into resources, references by name.
func (l *listing) resources() []*providers.Resource {
	var out []*providers.Resource
	add := func(kind, id string, tags []types.Tag, attrs, outputs map[string]string) names {
		name := tagMap(tags)[tagName]
		out = append(out, &providers.Resource{Kind: kind, Name: name, ID: id, Attrs: attrs, Outputs: outputs})
		return names{id: name}
	}
	merge := func(into, from names) {
		for k, v := range from {
			into[k] = v
		}
	}
	vpcs, gateways, subnets, groups, addresses := names{}, names{}, names{}, names{}, names{}
	for _, k := range l.keyPairs {
		key, _ := providers.CanonicalKey(awssdk.ToString(k.PublicKey))
		add("key_pair", awssdk.ToString(k.KeyPairId), k.Tags, map[string]string{"public_key": key}, nil)
	}
	for _, v := range l.vpcs {
		merge(vpcs, add("vpc", awssdk.ToString(v.VpcId), v.Tags, map[string]string{"cidr_block": awssdk.ToString(v.CidrBlock)}, nil))
	}
	for _, g := range l.gateways {
		vpc := ""
		for _, a := range g.Attachments {
			if a.State == types.AttachmentStatusAttached || a.State == "available" || a.State == types.AttachmentStatusAttaching {
				vpc = vpcs.of(awssdk.ToString(a.VpcId))
			}
		}
		merge(gateways, add("internet_gateway", awssdk.ToString(g.InternetGatewayId), g.Tags, map[string]string{"vpc": vpc}, nil))
	}
	for _, s := range l.subnets {
		merge(subnets, add("subnet", awssdk.ToString(s.SubnetId), s.Tags, map[string]string{
			"vpc": vpcs.of(awssdk.ToString(s.VpcId)), "cidr_block": awssdk.ToString(s.CidrBlock), "availability_zone": awssdk.ToString(s.AvailabilityZone),
		}, nil))
	}
	for _, t := range l.routeTables {
		route := ""
		for _, r := range t.Routes {
			if awssdk.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != types.RouteStateBlackhole {
				route = gateways.of(awssdk.ToString(r.GatewayId))
			}
		}
		var associated []string
		for _, a := range t.Associations {
			if a.SubnetId != nil && !awssdk.ToBool(a.Main) {
				associated = append(associated, subnets.of(*a.SubnetId))
			}
		}
		add("route_table", awssdk.ToString(t.RouteTableId), t.Tags, map[string]string{
			"vpc": vpcs.of(awssdk.ToString(t.VpcId)), "default_route": route, "subnets": providers.JoinSorted(associated),
		}, nil)
	}
	for _, g := range l.groups {
		merge(groups, add("security_group", awssdk.ToString(g.GroupId), g.Tags, map[string]string{
			"vpc": vpcs.of(awssdk.ToString(g.VpcId)), "rules": providers.JoinSorted(ruleItems(g.IpPermissions)),
		}, nil))
	}
	addressOf := map[string]string{} // instance ID → Elastic IP name
	for _, a := range l.addresses {
		merge(addresses, add("elastic_ip", awssdk.ToString(a.AllocationId), a.Tags, map[string]string{}, map[string]string{"ipv4": awssdk.ToString(a.PublicIp)}))
		if a.InstanceId != nil {
			addressOf[*a.InstanceId] = addresses.of(awssdk.ToString(a.AllocationId))
		}
	}
	volumesOf := map[string][]string{} // instance ID → volume names
	for _, v := range l.volumes {
		name := add("volume", awssdk.ToString(v.VolumeId), v.Tags, map[string]string{
			"size": strconv.Itoa(int(awssdk.ToInt32(v.Size))), "availability_zone": awssdk.ToString(v.AvailabilityZone), "type": string(v.VolumeType),
		}, map[string]string{"device": nvmeDevice(awssdk.ToString(v.VolumeId))}).of(awssdk.ToString(v.VolumeId))
		for _, a := range v.Attachments {
			if a.State == types.VolumeAttachmentStateAttached || a.State == types.VolumeAttachmentStateAttaching {
				volumesOf[awssdk.ToString(a.InstanceId)] = append(volumesOf[awssdk.ToString(a.InstanceId)], name)
			}
		}
	}
	for _, res := range l.reservations {
		for _, i := range res.Instances {
			id := awssdk.ToString(i.InstanceId)
			var sgs []string
			for _, g := range i.SecurityGroups {
				sgs = append(sgs, groups.of(awssdk.ToString(g.GroupId)))
			}
			labels := ownTags(tagMap(i.Tags))
			var pairs []string
			for k, v := range labels {
				pairs = append(pairs, k+"="+v)
			}
			add("instance", id, i.Tags, map[string]string{
				"instance_type":     string(i.InstanceType),
				"architecture":      string(i.Architecture),
				"subnet":            subnets.of(awssdk.ToString(i.SubnetId)),
				"availability_zone": availabilityZone(i.Placement),
				"security_group":    providers.JoinSorted(sgs),
				"elastic_ip":        addressOf[id],
				"volumes":           providers.JoinSorted(volumesOf[id]),
				"labels":            providers.JoinSorted(pairs),
				"key_pair":          strings.TrimPrefix(awssdk.ToString(i.KeyName), l.deployment+"-"),
				"image":             awssdk.ToString(i.ImageId),
			}, map[string]string{"ipv4": awssdk.ToString(i.PublicIpAddress), "private_ipv4": awssdk.ToString(i.PrivateIpAddress)})
		}
	}
	providers.SortResources(out)
	return out
}

// ruleItems is the canonical form of a security group's inbound rules,
// one item per protocol, port range and source: "tcp/443" when open to
// the internet (0.0.0.0/0 or ::/0, as freecloud opens them), "tcp/443
// from 10.0.0.0/8" or "all from sg-…" for rules someone else added, so
// that a plan shows them and an update removes them.
func ruleItems(perms []types.IpPermission) []string {
	var out []string
	for _, perm := range perms {
		base := ruleBase(perm)
		var sources []string
		for _, r := range perm.IpRanges {
			sources = append(sources, awssdk.ToString(r.CidrIp))
		}
		for _, r := range perm.Ipv6Ranges {
			sources = append(sources, awssdk.ToString(r.CidrIpv6))
		}
		for _, g := range perm.UserIdGroupPairs {
			sources = append(sources, awssdk.ToString(g.GroupId))
		}
		for _, pl := range perm.PrefixListIds {
			sources = append(sources, awssdk.ToString(pl.PrefixListId))
		}
		for _, src := range sources {
			if src == "0.0.0.0/0" || src == "::/0" {
				out = append(out, base)
			} else {
				out = append(out, base+" from "+src)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ruleBase is "tcp/443", "udp/60000-61000" or "all".
func ruleBase(perm types.IpPermission) string {
	proto := awssdk.ToString(perm.IpProtocol)
	if proto == "-1" {
		return "all"
	}
	from, to := awssdk.ToInt32(perm.FromPort), awssdk.ToInt32(perm.ToPort)
	if from == to {
		return fmt.Sprintf("%s/%d", proto, from)
	}
	return fmt.Sprintf("%s/%d-%d", proto, from, to)
}

func availabilityZone(p *types.Placement) string {
	if p == nil {
		return ""
	}
	return awssdk.ToString(p.AvailabilityZone)
}

// nvmeDevice is where an EBS volume appears on a Nitro instance (every
// current instance type): udev names the NVMe disk after the volume ID,
// without its dash. Deploys format a blank volume found there.
func nvmeDevice(volumeID string) string {
	return "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + strings.Replace(volumeID, "-", "", 1)
}
