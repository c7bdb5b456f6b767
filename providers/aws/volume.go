package aws

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// A data disk is an EBS volume in the machine's zone, made unformatted
// and empty: the instance that refers to it attaches it.

func (p *Provider) createVolume(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (string, error) {
	size, err := strconv.Atoi(r.Attrs["size"])
	if err != nil {
		return "", fmt.Errorf("size %q is not a number of GB", r.Attrs["size"])
	}
	out, err := p.client.CreateVolume(ctx, &ec2.CreateVolumeInput{
		AvailabilityZone: awssdk.String(r.Attrs["availability_zone"]), Size: awssdk.Int32(int32(size)),
		VolumeType: types.VolumeType(r.Attrs["type"]), TagSpecifications: tagsFor(deployment, r),
		// With a client token, sending again after a lost answer is safe.
		ClientToken: clientToken(),
	})
	if err != nil {
		return "", err
	}
	id := awssdk.ToString(out.VolumeId)
	return id, p.waitVolume(ctx, id, types.VolumeStateAvailable, types.VolumeStateInUse)
}

// waitVolume waits until a volume is in one of states.
func (p *Provider) waitVolume(ctx context.Context, id string, states ...types.VolumeState) error {
	return p.poll(ctx, "volume "+id, func() (bool, error) {
		out, err := p.client.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
		if notVisibleYet(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, v := range out.Volumes {
			if v.State == types.VolumeStateError {
				return false, fmt.Errorf("volume %s failed (state error)", id)
			}
			for _, s := range states {
				if v.State == s {
					return true, nil
				}
			}
		}
		return false, nil
	})
}

// updateVolume grows a volume. EBS cannot shrink one: that needs a new
// volume, which plan shows as a replacement.
func (p *Provider) updateVolume(ctx context.Context, _, id string, current, desired *providers.Resource, _ providers.IDs) error {
	have, _ := strconv.Atoi(current.Attrs["size"])
	want, err := strconv.Atoi(desired.Attrs["size"])
	if err != nil {
		return fmt.Errorf("size %q is not a number of GB", desired.Attrs["size"])
	}
	if want == have {
		return nil
	}
	if want < have {
		return fmt.Errorf("EBS volumes cannot shrink (%d GB → %d GB): copy the data to a new, smaller disk", have, want)
	}
	_, err = p.client.ModifyVolume(ctx, &ec2.ModifyVolumeInput{VolumeId: awssdk.String(id), Size: awssdk.Int32(int32(want))})
	return err
}

// deleteVolume detaches the volume from an instance that still has it,
// waits until it is free, and deletes it.
func (p *Provider) deleteVolume(ctx context.Context, id string) error {
	out, err := p.client.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if err != nil {
		return err
	}
	for _, v := range out.Volumes {
		for _, a := range v.Attachments {
			if a.State == types.VolumeAttachmentStateAttached || a.State == types.VolumeAttachmentStateAttaching {
				if _, err := p.client.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: awssdk.String(id), InstanceId: a.InstanceId}); err != nil && !isNotFound(err) {
					return err
				}
			}
		}
		if v.State != types.VolumeStateAvailable {
			if err := p.waitVolume(ctx, id, types.VolumeStateAvailable); err != nil {
				return err
			}
		}
	}
	_, err = p.client.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: awssdk.String(id)})
	return err
}

// clientToken makes a create idempotent across the SDK's own retries of
// one call: EC2 answers a repeated token with the object it already made.
func clientToken() *string {
	return awssdk.String(rand.Text())
}
