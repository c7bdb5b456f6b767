package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// An instance boots the newest NixOS image of the release, in its
// subnet, behind its security group, with the first admin's key pair;
// once it runs, its Elastic IP and data volumes are put on it. The image
// already runs NixOS, so freecloud deploys to it directly.

// rootDevice is the root device of NixOS's EC2 images.
const rootDevice = "/dev/xvda"

// dataDevices are the device names data volumes are attached under, in
// order; on Nitro instances they appear as NVMe disks whatever the name,
// and freecloud mounts them by label.
var dataDevices = []string{"/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi", "/dev/sdj", "/dev/sdk", "/dev/sdl", "/dev/sdm", "/dev/sdn", "/dev/sdo", "/dev/sdp"}

func (p *Provider) createInstance(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (string, error) {
	if r.Attrs["image"] == "" {
		return "", fmt.Errorf("no NixOS %s image for %s in %s", p.opts.Release, r.Attrs["architecture"], p.region)
	}
	subnet, err := existingOr(ids, "subnet", r.Attrs["subnet"])
	if err != nil {
		return "", err
	}
	group, err := refID(ids, "security_group", r.Attrs["security_group"])
	if err != nil {
		return "", err
	}
	tags := append(
		tagSpecs("instance", deployment, r.Kind, r.Name, parseTags(r.Attrs["labels"])),
		tagSpecs("volume", deployment, "root_volume", r.Name, nil)...)
	out, err := p.client.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId:          awssdk.String(r.Attrs["image"]),
		InstanceType:     types.InstanceType(r.Attrs["instance_type"]),
		KeyName:          awssdk.String(ec2Name(deployment, r.Attrs["key_pair"])),
		MinCount:         awssdk.Int32(1),
		MaxCount:         awssdk.Int32(1),
		SubnetId:         awssdk.String(subnet),
		SecurityGroupIds: []string{group},
		BlockDeviceMappings: []types.BlockDeviceMapping{{DeviceName: awssdk.String(rootDevice), Ebs: &types.EbsBlockDevice{
			VolumeSize: awssdk.Int32(rootVolumeGB), VolumeType: types.VolumeTypeGp3, DeleteOnTermination: awssdk.Bool(true),
		}}},
		// The metadata service answers only with a session token
		// (IMDSv2), which NixOS's metadata fetcher uses.
		MetadataOptions:   &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired, HttpEndpoint: types.InstanceMetadataEndpointStateEnabled},
		TagSpecifications: tags,
		// With a client token, sending again after a lost answer is safe.
		ClientToken: clientToken(),
	})
	if err != nil {
		return "", err
	}
	if len(out.Instances) != 1 {
		return "", fmt.Errorf("EC2 started %d instances, not one", len(out.Instances))
	}
	id := awssdk.ToString(out.Instances[0].InstanceId)
	return id, p.finishInstance(ctx, id, &providers.Resource{Attrs: map[string]string{}}, r, ids)
}

// finishInstance waits until the instance runs, then gives it the
// address and volumes desired has and current lacks.
func (p *Provider) finishInstance(ctx context.Context, id string, current, desired *providers.Resource, ids providers.IDs) error {
	inst, err := p.waitInstance(ctx, id, types.InstanceStateNameRunning, types.InstanceStateNameStopped)
	if err != nil {
		return err
	}
	if want := desired.Attrs["elastic_ip"]; want != current.Attrs["elastic_ip"] {
		if old := current.Attrs["elastic_ip"]; old != "" && want == "" {
			if allocation, err := refID(ids, "elastic_ip", old); err == nil {
				if err := p.disassociate(ctx, allocation); err != nil {
					return err
				}
			}
		}
		if want != "" {
			allocation, err := refID(ids, "elastic_ip", want)
			if err != nil {
				return err
			}
			if err := p.associate(ctx, allocation, id); err != nil {
				return err
			}
		}
	}
	return p.attachVolumes(ctx, inst, providers.SplitList(current.Attrs["volumes"]), providers.SplitList(desired.Attrs["volumes"]), ids)
}

// attachVolumes detaches the volumes that went and attaches the new ones
// under free device names.
func (p *Provider) attachVolumes(ctx context.Context, inst *types.Instance, have, want []string, ids providers.IDs) error {
	id := awssdk.ToString(inst.InstanceId)
	for _, name := range have {
		if slices.Contains(want, name) {
			continue
		}
		volume, err := refID(ids, "volume", name)
		if err != nil {
			continue // already gone with its resource
		}
		if _, err := p.client.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: awssdk.String(volume), InstanceId: awssdk.String(id)}); err != nil && !isNotFound(err) && errorCode(err) != "IncorrectState" {
			return err
		}
	}
	used := map[string]bool{}
	for _, m := range inst.BlockDeviceMappings {
		used[awssdk.ToString(m.DeviceName)] = true
	}
	for _, name := range want {
		if slices.Contains(have, name) {
			continue
		}
		volume, err := refID(ids, "volume", name)
		if err != nil {
			return err
		}
		device := ""
		for _, d := range dataDevices {
			if !used[d] {
				device = d
				break
			}
		}
		if device == "" {
			return fmt.Errorf("no free device name for %s: EC2 takes %d data volumes here", name, len(dataDevices))
		}
		used[device] = true
		err = p.settle(ctx, "instance "+id+" and volume "+volume, func() error {
			_, err := p.client.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: awssdk.String(volume), InstanceId: awssdk.String(id), Device: awssdk.String(device)})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// waitInstance waits until an instance is in one of states and returns
// it. An instance that terminates instead is an error that says why.
func (p *Provider) waitInstance(ctx context.Context, id string, states ...types.InstanceStateName) (*types.Instance, error) {
	var inst *types.Instance
	err := p.poll(ctx, "instance "+id, func() (bool, error) {
		out, err := p.client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if notVisibleYet(err) {
			// Gone for good when it was terminated; else just made, and
			// EC2 will know it soon.
			return slices.Contains(states, types.InstanceStateNameTerminated), nil
		}
		if err != nil {
			return false, err
		}
		for _, res := range out.Reservations {
			for i := range res.Instances {
				inst = &res.Instances[i]
			}
		}
		if inst == nil || inst.State == nil {
			return false, nil
		}
		state := inst.State.Name
		if slices.Contains(states, state) {
			return true, nil
		}
		if (state == types.InstanceStateNameTerminated || state == types.InstanceStateNameShuttingDown) && !slices.Contains(states, types.InstanceStateNameTerminated) {
			reason := "no reason given"
			if inst.StateReason != nil {
				reason = awssdk.ToString(inst.StateReason.Message)
			}
			return false, fmt.Errorf("instance %s is %s: %s", id, state, reason)
		}
		return false, nil
	})
	return inst, err
}

// updateInstance changes an instance in place: its type (stopped and
// started again, which keeps its volumes and Elastic IP), security group,
// address, volumes and labels.
func (p *Provider) updateInstance(ctx context.Context, _, id string, current, desired *providers.Resource, ids providers.IDs) error {
	if current.Attrs["instance_type"] != desired.Attrs["instance_type"] {
		if err := p.resize(ctx, id, desired.Attrs["instance_type"]); err != nil {
			return err
		}
	}
	if current.Attrs["security_group"] != desired.Attrs["security_group"] {
		group, err := refID(ids, "security_group", desired.Attrs["security_group"])
		if err != nil {
			return err
		}
		if _, err := p.client.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: awssdk.String(id), Groups: []string{group}}); err != nil {
			return err
		}
	}
	if err := p.finishInstance(ctx, id, current, desired, ids); err != nil {
		return err
	}
	return p.retag(ctx, id, parseTags(current.Attrs["labels"]), parseTags(desired.Attrs["labels"]))
}

// resize stops the instance, changes its type and starts it again.
func (p *Provider) resize(ctx context.Context, id, instanceType string) error {
	if _, err := p.client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return err
	}
	if _, err := p.waitInstance(ctx, id, types.InstanceStateNameStopped); err != nil {
		return err
	}
	_, err := p.client.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
		InstanceId: awssdk.String(id), InstanceType: &types.AttributeValue{Value: awssdk.String(instanceType)},
	})
	if err != nil {
		// Start it again as it was: a refused type must not leave the
		// machine down.
		_, startErr := p.client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
		return errors.Join(err, startErr)
	}
	if _, err := p.client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		return err
	}
	_, err = p.waitInstance(ctx, id, types.InstanceStateNameRunning)
	return err
}

// retag makes the instance's own tags the desired labels.
func (p *Provider) retag(ctx context.Context, id string, have, want map[string]string) error {
	var gone []types.Tag
	for k := range have {
		if _, ok := want[k]; !ok {
			gone = append(gone, types.Tag{Key: awssdk.String(k)})
		}
	}
	if len(gone) > 0 {
		if _, err := p.client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: gone}); err != nil {
			return err
		}
	}
	changed := map[string]string{}
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			changed[k] = v
		}
	}
	if len(changed) == 0 {
		return nil
	}
	_, err := p.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: toTags(changed)})
	return err
}

// deleteInstance terminates the instance and waits until it is gone, so
// that its security group, subnet and volumes are free.
func (p *Provider) deleteInstance(ctx context.Context, id string) error {
	if _, err := p.client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		return err
	}
	_, err := p.waitInstance(ctx, id, types.InstanceStateNameTerminated)
	if isNotFound(err) {
		return nil
	}
	return err
}
