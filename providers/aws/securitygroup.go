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

	"github.com/freecloud/freecloud/providers"
)

// A machine's security group opens SSH and its services' public ports to
// the internet, over IPv4 and IPv6; everything may go out (EC2's default
// egress rule).

func (p *Provider) createSecurityGroup(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error) {
	vpc, err := existingOr(ids, "vpc", r.Attrs["vpc"])
	if err != nil {
		return "", err
	}
	var out *ec2.CreateSecurityGroupOutput
	err = p.settle(ctx, "VPC "+vpc, func() (err error) {
		out, err = p.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName:         awssdk.String(ec2Name(deployment, r.Name)),
			Description:       awssdk.String(fmt.Sprintf("freecloud deployment %s, machine %s", deployment, r.Name)),
			VpcId:             awssdk.String(vpc),
			TagSpecifications: tagsFor(deployment, r),
		}, noResend)
		return err
	})
	if err != nil {
		return "", err
	}
	id := awssdk.ToString(out.GroupId)
	return id, p.authorize(ctx, id, providers.SplitList(r.Attrs["rules"]))
}

// updateSecurityGroup makes the group's inbound rules exactly the desired
// ones: a rule added by hand is revoked, a missing one authorised.
func (p *Provider) updateSecurityGroup(ctx context.Context, _, id string, _, desired *providers.Resource, _ providers.IDs) error {
	var perms []types.IpPermission
	err := p.settle(ctx, "security group "+id, func() error {
		out, err := p.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
		if err == nil && len(out.SecurityGroups) == 1 {
			perms = out.SecurityGroups[0].IpPermissions
		}
		return err
	})
	if err != nil {
		return err
	}
	want := providers.SplitList(desired.Attrs["rules"])
	var revoke []types.IpPermission
	have := map[string]bool{}
	for _, perm := range perms {
		items := ruleItems([]types.IpPermission{perm})
		if slices.ContainsFunc(items, func(item string) bool { return !slices.Contains(want, item) }) {
			revoke = append(revoke, perm)
			continue
		}
		for _, item := range items {
			have[item] = true
		}
	}
	if len(revoke) > 0 {
		if _, err := p.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: awssdk.String(id), IpPermissions: revoke}); err != nil {
			return err
		}
	}
	var missing []string
	for _, item := range want {
		if !have[item] {
			missing = append(missing, item)
		}
	}
	return p.authorize(ctx, id, missing)
}

// authorize opens rules ("tcp/443") to the internet.
func (p *Provider) authorize(ctx context.Context, id string, rules []string) error {
	if len(rules) == 0 {
		return nil
	}
	var perms []types.IpPermission
	for _, rule := range rules {
		proto, port, ok := strings.Cut(rule, "/")
		n, err := strconv.Atoi(port)
		if !ok || err != nil {
			return fmt.Errorf("rule %q is not protocol/port", rule)
		}
		perms = append(perms, types.IpPermission{
			IpProtocol: awssdk.String(proto), FromPort: awssdk.Int32(int32(n)), ToPort: awssdk.Int32(int32(n)),
			IpRanges:   []types.IpRange{{CidrIp: awssdk.String("0.0.0.0/0")}},
			Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: awssdk.String("::/0")}},
		})
	}
	return p.settle(ctx, "security group "+id, func() error {
		_, err := p.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: awssdk.String(id), IpPermissions: perms})
		return err
	})
}

func (p *Provider) deleteSecurityGroup(ctx context.Context, id string) error {
	return p.untilFree(ctx, "security group "+id+" to be free", func() error {
		_, err := p.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: awssdk.String(id)})
		return err
	})
}
