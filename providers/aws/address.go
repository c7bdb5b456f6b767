package aws

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// A machine's Elastic IP is its stable public address: it outlives the
// instance, so a replaced machine keeps its address and its DNS records.

func (p *Provider) createElasticIP(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (string, error) {
	out, err := p.client.AllocateAddress(ctx, &ec2.AllocateAddressInput{
		Domain: types.DomainTypeVpc, TagSpecifications: tagsFor(deployment, r),
	}, noResend)
	if err != nil {
		return "", err
	}
	return awssdk.ToString(out.AllocationId), nil
}

// deleteElasticIP releases the address, first taking it off an instance
// that still holds it.
func (p *Provider) deleteElasticIP(ctx context.Context, id string) error {
	if err := p.disassociate(ctx, id); err != nil {
		return err
	}
	_, err := p.client.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: awssdk.String(id)})
	return err
}

// associate puts an address on an instance, taking it from another one if
// need be.
func (p *Provider) associate(ctx context.Context, allocation, instance string) error {
	return p.settle(ctx, "instance "+instance+" and address "+allocation, func() error {
		_, err := p.client.AssociateAddress(ctx, &ec2.AssociateAddressInput{
			AllocationId: awssdk.String(allocation), InstanceId: awssdk.String(instance), AllowReassociation: awssdk.Bool(true),
		})
		return err
	})
}

// disassociate takes an address off whatever holds it.
func (p *Provider) disassociate(ctx context.Context, allocation string) error {
	out, err := p.client.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{allocation}})
	if err != nil {
		return err
	}
	for _, a := range out.Addresses {
		if a.AssociationId == nil {
			continue
		}
		_, err := p.client.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: a.AssociationId})
		if err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}
