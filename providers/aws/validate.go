package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// Validate checks the desired instances against what the region offers:
// the instance type exists and has the architecture freecloud builds for,
// a NixOS image of the release exists for it, and the availability zone
// is one of the region's (or the existing subnet's). It reads the
// instance types in one request, whatever the number of machines.
func (p *Provider) Validate(ctx context.Context, desired []*providers.Resource) []*providers.ResourceError {
	var instances []*providers.Resource
	for _, r := range desired {
		if r.Kind == "instance" {
			instances = append(instances, r)
		}
	}
	if len(instances) == 0 {
		return nil
	}
	var errs []*providers.ResourceError
	report := func(r *providers.Resource, attr, format string, args ...any) {
		errs = append(errs, &providers.ResourceError{Address: r.Address(), Attr: attr, Msg: fmt.Sprintf(format, args...)})
	}
	cat, err := p.catalog(ctx)
	if err != nil {
		report(instances[0], "", "%v", err)
		return errs
	}
	archs, err := p.architectures(ctx, instances)
	if err != nil {
		report(instances[0], "instance_type", "looking up instance types: %v", explain(err))
		return errs
	}
	for _, r := range instances {
		typ, arch := r.Attrs["instance_type"], r.Attrs["architecture"]
		supported, known := archs[typ]
		switch {
		case !known:
			report(r, "instance_type", "instance type %q is not offered in %s (aws ec2 describe-instance-types --region %s lists those that are)", typ, p.region, p.region)
		case !slices.Contains(supported, arch):
			report(r, "instance_type", "instance type %q runs %s, but freecloud builds this machine for %s: the Graviton (arm64) types have a g after the generation digit, like t4g or m7g", typ, strings.Join(supported, ", "), arch)
		case r.Attrs["image"] == "":
			report(r, "image", "no NixOS %s image for %s in %s published by account %s: NixOS publishes images of its supported releases only", p.opts.Release, arch, p.region, p.opts.ImageOwner)
		}
		zone := r.Attrs["availability_zone"]
		switch {
		case cat.subnet != nil && zone != awssdk.ToString(cat.subnet.AvailabilityZone):
			report(r, "availability_zone", "location %q is not where subnet_id %s is (%s): use location = %q or %q", zone, p.opts.Subnet, awssdk.ToString(cat.subnet.AvailabilityZone), p.region, awssdk.ToString(cat.subnet.AvailabilityZone))
		case cat.subnet == nil && !slices.Contains(cat.zones, zone):
			report(r, "availability_zone", "location %q is neither region %s nor one of its availability zones (%s)", zone, p.region, strings.Join(cat.zones, ", "))
		}
	}
	if cat.subnet != nil && awssdk.ToString(cat.subnet.VpcId) != p.opts.VPC {
		report(instances[0], "", "subnet_id %s is in %s, not in vpc_id %s", p.opts.Subnet, awssdk.ToString(cat.subnet.VpcId), p.opts.VPC)
	}
	return errs
}

// architectures tells the architectures of the instance types desired,
// as EC2 says; a type EC2 does not offer is missing.
func (p *Provider) architectures(ctx context.Context, instances []*providers.Resource) (map[string][]string, error) {
	var names []string
	for _, r := range instances {
		names = append(names, r.Attrs["instance_type"])
	}
	slices.Sort(names)
	names = slices.Compact(names)
	pages := ec2.NewDescribeInstanceTypesPaginator(p.client, &ec2.DescribeInstanceTypesInput{
		// A filter, unlike InstanceTypes, leaves out an unknown type
		// instead of failing the whole request.
		Filters:    []types.Filter{{Name: awssdk.String("instance-type"), Values: names}},
		MaxResults: awssdk.Int32(100),
	})
	out := map[string][]string{}
	err := collect(ctx, pages.HasMorePages, pages.NextPage, func(o *ec2.DescribeInstanceTypesOutput) {
		for _, t := range o.InstanceTypes {
			var archs []string
			if t.ProcessorInfo != nil {
				for _, a := range t.ProcessorInfo.SupportedArchitectures {
					archs = append(archs, string(a))
				}
			}
			out[string(t.InstanceType)] = archs
		}
	})
	return out, err
}
