package ec2fake_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

func publicKey(t *testing.T, comment string) string {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ssh.NewPublicKey(pub)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + " " + comment
}

func TestKeyPairs(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	key := publicKey(t, "alice@laptop")
	// The SDK sends PublicKeyMaterial base64-encoded, as a blob.
	out := must[*ec2.ImportKeyPairOutput](t)(c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{
		KeyName: aws.String("prod-alice"), PublicKeyMaterial: []byte(key),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeKeyPair, "freecloud:deployment", "prod")},
	}))
	id := aws.ToString(out.KeyPairId)
	if !strings.HasPrefix(id, "key-") || aws.ToString(out.KeyName) != "prod-alice" || aws.ToString(out.KeyFingerprint) == "" || tagMap(out.Tags)["freecloud:deployment"] != "prod" {
		t.Errorf("ImportKeyPair: %+v", out)
	}
	_, err := c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{KeyName: aws.String("prod-alice"), PublicKeyMaterial: []byte(key)})
	wantCode(t, err, "InvalidKeyPair.Duplicate")
	_, err = c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{KeyName: aws.String("junk"), PublicKeyMaterial: []byte("ssh-ed25519 notakey")})
	wantCode(t, err, "InvalidKey.Format")
	f.AddForeign("key-pair", "bob", nil)

	keys := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{
		Filters: []types.Filter{filter("tag:freecloud:deployment", "prod")}, IncludePublicKey: aws.Bool(true),
	}))
	if len(keys.KeyPairs) != 1 || aws.ToString(keys.KeyPairs[0].PublicKey) != key || keys.KeyPairs[0].KeyType != types.KeyTypeEd25519 ||
		aws.ToString(keys.KeyPairs[0].KeyPairId) != id || keys.KeyPairs[0].CreateTime == nil {
		t.Errorf("DescribeKeyPairs by tag: %+v", keys.KeyPairs)
	}
	keys = must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{Filters: []types.Filter{filter("key-name", "b*")}}))
	if len(keys.KeyPairs) != 1 || aws.ToString(keys.KeyPairs[0].KeyName) != "bob" || keys.KeyPairs[0].PublicKey != nil {
		t.Errorf("DescribeKeyPairs by name pattern: %+v", keys.KeyPairs)
	}
	_, err = c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{KeyNames: []string{"carol"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")

	must[*ec2.DeleteKeyPairOutput](t)(c.DeleteKeyPair(ctx(t), &ec2.DeleteKeyPairInput{KeyPairId: &id}))
	// Deleting it again is no error, as at EC2.
	must[*ec2.DeleteKeyPairOutput](t)(c.DeleteKeyPair(ctx(t), &ec2.DeleteKeyPairInput{KeyPairId: &id}))
	must[*ec2.DeleteKeyPairOutput](t)(c.DeleteKeyPair(ctx(t), &ec2.DeleteKeyPairInput{KeyName: aws.String("bob")}))
	if objs := f.Objects("key_pair"); len(objs) != 0 {
		t.Errorf("key pairs left: %v", objs)
	}
}

func TestElasticIPs(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: 20 * time.Millisecond})
	c := client(f)
	n := makeNetwork(t, c)
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{
		Domain: types.DomainTypeVpc, TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeElasticIp, "Name", "web")},
	}))
	alloc := aws.ToString(eip.AllocationId)
	if !strings.HasPrefix(alloc, "eipalloc-") || !strings.HasPrefix(aws.ToString(eip.PublicIp), "203.0.113.") || eip.Domain != types.DomainTypeVpc {
		t.Errorf("AllocateAddress: %+v", eip)
	}

	i := run(t, c, runInput(f, n))
	id := aws.ToString(i.InstanceId)
	assoc := &ec2.AssociateAddressInput{AllocationId: &alloc, InstanceId: &id}
	_, err := c.AssociateAddress(ctx(t), assoc)
	wantCode(t, err, "IncorrectInstanceState") // it is pending
	eventually(t, "the instance runs", func() bool { return describe(t, c, id).State.Name == types.InstanceStateNameRunning })
	a := must[*ec2.AssociateAddressOutput](t)(c.AssociateAddress(ctx(t), assoc))
	if !strings.HasPrefix(aws.ToString(a.AssociationId), "eipassoc-") {
		t.Errorf("AssociateAddress: %+v", a)
	}
	if got := describe(t, c, id); aws.ToString(got.PublicIpAddress) != aws.ToString(eip.PublicIp) {
		t.Errorf("the instance's public address is %q, its Elastic IP %q", aws.ToString(got.PublicIpAddress), aws.ToString(eip.PublicIp))
	}
	addrs := must[*ec2.DescribeAddressesOutput](t)(c.DescribeAddresses(ctx(t), &ec2.DescribeAddressesInput{Filters: []types.Filter{filter("tag:Name", "web")}}))
	if len(addrs.Addresses) != 1 || aws.ToString(addrs.Addresses[0].InstanceId) != id || aws.ToString(addrs.Addresses[0].AssociationId) != aws.ToString(a.AssociationId) ||
		aws.ToString(addrs.Addresses[0].PrivateIpAddress) != aws.ToString(i.PrivateIpAddress) {
		t.Errorf("DescribeAddresses: %+v", addrs.Addresses)
	}
	_, err = c.ReleaseAddress(ctx(t), &ec2.ReleaseAddressInput{AllocationId: &alloc})
	wantCode(t, err, "InvalidIPAddress.InUse")
	_, err = c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: &n.vpc})
	wantCode(t, err, "DependencyViolation")

	// Another instance takes it only with AllowReassociation.
	other := run(t, c, runInput(f, n))
	eventually(t, "the other instance runs", func() bool { return describe(t, c, *other.InstanceId).State.Name == types.InstanceStateNameRunning })
	_, err = c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: &alloc, InstanceId: other.InstanceId})
	wantCode(t, err, "Resource.AlreadyAssociated")
	must[*ec2.AssociateAddressOutput](t)(c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: &alloc, InstanceId: other.InstanceId, AllowReassociation: aws.Bool(true)}))
	if got, _ := f.Instance(id); got.PublicIP != "" || got.ElasticIP != "" {
		t.Errorf("the first instance kept its address: %+v", got)
	}
	addrs = must[*ec2.DescribeAddressesOutput](t)(c.DescribeAddresses(ctx(t), &ec2.DescribeAddressesInput{AllocationIds: []string{alloc}}))
	must[*ec2.DisassociateAddressOutput](t)(c.DisassociateAddress(ctx(t), &ec2.DisassociateAddressInput{AssociationId: addrs.Addresses[0].AssociationId}))
	must[*ec2.ReleaseAddressOutput](t)(c.ReleaseAddress(ctx(t), &ec2.ReleaseAddressInput{AllocationId: &alloc}))
	_, err = c.ReleaseAddress(ctx(t), &ec2.ReleaseAddressInput{AllocationId: &alloc})
	wantCode(t, err, "InvalidAllocationID.NotFound")

	// The quota: 5 by default, then as set.
	for range 5 {
		must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	}
	_, err = c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	wantCode(t, err, "AddressLimitExceeded")
	f.SetQuota("elastic_ip", 6)
	must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
}

func TestGatewayNeededForElasticIP(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: &n.vpc}))
	i := run(t, c, runInput(f, n))
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{}))
	eventually(t, "the instance runs", func() bool { return !f.Busy("instance", *i.InstanceId) })
	_, err := c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: i.InstanceId})
	wantCode(t, err, "Gateway.NotAttached")
}

func TestVolumes(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: 20 * time.Millisecond})
	c := client(f)
	in := &ec2.CreateVolumeInput{
		AvailabilityZone: aws.String("eu-central-1a"), Size: aws.Int32(10), VolumeType: types.VolumeTypeGp3,
		ClientToken:       aws.String("token-1"),
		TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeVolume, "Name", "data")},
	}
	v := must[*ec2.CreateVolumeOutput](t)(c.CreateVolume(ctx(t), in))
	id := aws.ToString(v.VolumeId)
	if !strings.HasPrefix(id, "vol-") || v.State != types.VolumeStateCreating || aws.ToInt32(v.Size) != 10 || aws.ToInt32(v.Iops) != 3000 || tagMap(v.Tags)["Name"] != "data" {
		t.Errorf("CreateVolume: %+v", v)
	}
	if !f.Busy("volume", id) {
		t.Error("a creating volume is not busy")
	}
	// The same client token answers the same volume; with other
	// parameters it is an error.
	again := must[*ec2.CreateVolumeOutput](t)(c.CreateVolume(ctx(t), in))
	if aws.ToString(again.VolumeId) != id || len(f.Objects("volume")) != 1 {
		t.Errorf("a retried CreateVolume made %s and now there are %v", aws.ToString(again.VolumeId), f.Objects("volume"))
	}
	in.Size = aws.Int32(11)
	_, err := c.CreateVolume(ctx(t), in)
	wantCode(t, err, "IdempotentParameterMismatch")
	_, err = c.CreateVolume(ctx(t), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("eu-central-1z"), Size: aws.Int32(1)})
	wantCode(t, err, "InvalidZone.NotFound")
	plain := must[*ec2.CreateVolumeOutput](t)(c.CreateVolume(ctx(t), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("eu-central-1b"), Size: aws.Int32(1)}))
	if plain.VolumeType != types.VolumeTypeGp2 {
		t.Errorf("the default volume type is %s, EC2 documents gp2", plain.VolumeType)
	}

	n := makeNetwork(t, c)
	i := run(t, c, runInput(f, n))
	attach := &ec2.AttachVolumeInput{VolumeId: &id, InstanceId: i.InstanceId, Device: aws.String("/dev/sdf")}
	_, err = c.AttachVolume(ctx(t), attach)
	wantCode(t, err, "IncorrectState") // still creating
	eventually(t, "the volume and instance are ready", func() bool { return !f.Busy("volume", id) && !f.Busy("instance", *i.InstanceId) })
	_, err = c.AttachVolume(ctx(t), &ec2.AttachVolumeInput{VolumeId: plain.VolumeId, InstanceId: i.InstanceId, Device: aws.String("/dev/sdg")})
	wantCode(t, err, "InvalidVolume.ZoneMismatch")
	_, err = c.AttachVolume(ctx(t), &ec2.AttachVolumeInput{VolumeId: &id, InstanceId: i.InstanceId, Device: aws.String("/dev/xvda")})
	wantCode(t, err, "InvalidParameterValue") // the root volume's
	att := must[*ec2.AttachVolumeOutput](t)(c.AttachVolume(ctx(t), attach))
	if att.State != types.VolumeAttachmentStateAttaching || aws.ToString(att.Device) != "/dev/sdf" {
		t.Errorf("AttachVolume: %+v", att)
	}
	_, err = c.AttachVolume(ctx(t), attach)
	wantCode(t, err, "VolumeInUse")
	_, err = c.DeleteVolume(ctx(t), &ec2.DeleteVolumeInput{VolumeId: &id})
	wantCode(t, err, "VolumeInUse")
	eventually(t, "the volume is attached", func() bool {
		out := must[*ec2.DescribeVolumesOutput](t)(c.DescribeVolumes(ctx(t), &ec2.DescribeVolumesInput{VolumeIds: []string{id}}))
		v := out.Volumes[0]
		return v.State == types.VolumeStateInUse && len(v.Attachments) == 1 && v.Attachments[0].State == types.VolumeAttachmentStateAttached
	})
	if got := describe(t, c, *i.InstanceId); len(got.BlockDeviceMappings) != 2 || aws.ToString(got.BlockDeviceMappings[1].Ebs.VolumeId) != id {
		t.Errorf("the instance's block devices: %+v", got.BlockDeviceMappings)
	}

	// Grow only.
	_, err = c.ModifyVolume(ctx(t), &ec2.ModifyVolumeInput{VolumeId: &id, Size: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterValue")
	mod := must[*ec2.ModifyVolumeOutput](t)(c.ModifyVolume(ctx(t), &ec2.ModifyVolumeInput{VolumeId: &id, Size: aws.Int32(20)}))
	if m := mod.VolumeModification; m.ModificationState != types.VolumeModificationStateModifying || aws.ToInt32(m.TargetSize) != 20 || aws.ToInt32(m.OriginalSize) != 10 {
		t.Errorf("ModifyVolume: %+v", m)
	}
	_, err = c.ModifyVolume(ctx(t), &ec2.ModifyVolumeInput{VolumeId: &id, Size: aws.Int32(30)})
	wantCode(t, err, "IncorrectModificationState")
	eventually(t, "the volume has grown", func() bool { v, _ := f.Volume(id); return v.Size == 20 })

	det := must[*ec2.DetachVolumeOutput](t)(c.DetachVolume(ctx(t), &ec2.DetachVolumeInput{VolumeId: &id, InstanceId: i.InstanceId}))
	if det.State != types.VolumeAttachmentStateDetaching {
		t.Errorf("DetachVolume: %+v", det)
	}
	eventually(t, "the volume is detached", func() bool { v, _ := f.Volume(id); return v.State == "available" })
	_, err = c.DetachVolume(ctx(t), &ec2.DetachVolumeInput{VolumeId: &id})
	wantCode(t, err, "IncorrectState")
	must[*ec2.DeleteVolumeOutput](t)(c.DeleteVolume(ctx(t), &ec2.DeleteVolumeInput{VolumeId: &id}))
	_, err = c.DeleteVolume(ctx(t), &ec2.DeleteVolumeInput{VolumeId: &id})
	wantCode(t, err, "InvalidVolume.NotFound")
}
