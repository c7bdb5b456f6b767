package aws

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/freecloud/freecloud/providers"
)

// createKeyPair imports an admin's public key under <deployment>-<name>:
// EC2 puts it on an instance's first boot, which NixOS's image reads from
// the metadata service for root.
func (p *Provider) createKeyPair(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (string, error) {
	out, err := p.client.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{
		KeyName:           awssdk.String(ec2Name(deployment, r.Name)),
		PublicKeyMaterial: []byte(r.Attrs["public_key"]),
		TagSpecifications: tagsFor(deployment, r),
	}, noResend)
	if err != nil {
		return "", err
	}
	return awssdk.ToString(out.KeyPairId), nil
}

func (p *Provider) deleteKeyPair(ctx context.Context, id string) error {
	_, err := p.client.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: awssdk.String(id)})
	return err
}
