package ec2fake_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

func TestRunInstances(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: 20 * time.Millisecond})
	c := client(f)
	n := makeNetwork(t, c)
	must[*ec2.ImportKeyPairOutput](t)(c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{KeyName: aws.String("admin"), PublicKeyMaterial: []byte(publicKey(t, "admin"))}))
	in := runInput(f, n,
		tagSpec(types.ResourceTypeInstance, "Name", "web", "freecloud:deployment", "prod"),
		tagSpec(types.ResourceTypeVolume, "Name", "web-root"))
	in.KeyName = aws.String("admin")
	in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{
		VolumeSize: aws.Int32(20), VolumeType: types.VolumeTypeGp3, DeleteOnTermination: aws.Bool(true),
	}}}
	i := run(t, c, in)
	id := aws.ToString(i.InstanceId)
	if !strings.HasPrefix(id, "i-") || i.State.Name != types.InstanceStateNamePending || aws.ToString(i.PrivateIpAddress) != "10.0.1.4" ||
		aws.ToString(i.KeyName) != "admin" || i.InstanceType != types.InstanceTypeT3Micro || i.Architecture != types.ArchitectureValuesX8664 ||
		aws.ToString(i.SubnetId) != n.subnet || aws.ToString(i.VpcId) != n.vpc || len(i.SecurityGroups) != 1 ||
		aws.ToString(i.SecurityGroups[0].GroupId) != n.group || aws.ToString(i.SecurityGroups[0].GroupName) != "web" ||
		aws.ToString(i.Placement.AvailabilityZone) != "eu-central-1a" || tagMap(i.Tags)["Name"] != "web" || i.PublicIpAddress != nil {
		t.Errorf("RunInstances: %+v", i)
	}
	if !f.Busy("instance", id) {
		t.Error("a pending instance is not busy")
	}
	eventually(t, "the instance runs", func() bool { return describe(t, c, id).State.Name == types.InstanceStateNameRunning })

	// The root volume is there, tagged as asked.
	vols := must[*ec2.DescribeVolumesOutput](t)(c.DescribeVolumes(ctx(t), &ec2.DescribeVolumesInput{Filters: []types.Filter{filter("attachment.instance-id", id)}}))
	if len(vols.Volumes) != 1 {
		t.Fatalf("the instance's volumes: %+v", vols.Volumes)
	}
	root := vols.Volumes[0]
	if aws.ToInt32(root.Size) != 20 || root.VolumeType != types.VolumeTypeGp3 || tagMap(root.Tags)["Name"] != "web-root" ||
		aws.ToString(root.Attachments[0].Device) != "/dev/xvda" || !aws.ToBool(root.Attachments[0].DeleteOnTermination) {
		t.Errorf("the root volume: %+v %+v", root, root.Attachments)
	}

	for _, c2 := range []struct {
		name string
		edit func(*ec2.RunInstancesInput)
		code string
	}{
		{"unknown image", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"malformed image", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("nixos") }, "InvalidAMIID.Malformed"},
		{"unknown type", func(in *ec2.RunInstancesInput) { in.InstanceType = "t9.huge" }, "InvalidParameterValue"},
		{"arm type", func(in *ec2.RunInstancesInput) { in.InstanceType = types.InstanceTypeT4gSmall }, "InvalidParameterValue"},
		{"unknown key", func(in *ec2.RunInstancesInput) { in.KeyName = aws.String("mallory") }, "InvalidKeyPair.NotFound"},
		{"no subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = nil }, "VPCIdNotSpecified"},
		{"unknown subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-0000000000000000f") }, "InvalidSubnetID.NotFound"},
		{"interface and subnet", func(in *ec2.RunInstancesInput) {
			in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &n.subnet}}
		}, "InvalidParameterCombination"},
		{"unknown group", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-0000000000000000f"} }, "InvalidGroup.NotFound"},
		{"small root", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(1)}}}
		}, "InvalidBlockDeviceMapping"},
		{"pending image", func(in *ec2.RunInstancesInput) {
			in.ImageId = aws.String(f.AddImage(ec2fake.Image{Name: "nixos/unready", Architecture: "x86_64", State: "pending"}))
		}, "InvalidAMIID.Unavailable"},
	} {
		bad := runInput(f, n)
		c2.edit(bad)
		_, err := c.RunInstances(ctx(t), bad)
		if code(err) != c2.code {
			t.Errorf("%s: %v, want %s", c2.name, err, c2.code)
		}
	}
	_, err := c.RunInstances(ctx(t), &ec2.RunInstancesInput{ImageId: aws.String(f.DefaultNixOSImage("x86_64")), InstanceType: "t9.huge", MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: &n.subnet})
	if !strings.Contains(err.Error(), "t9.huge") {
		t.Errorf("the error does not name the instance type: %v", err)
	}

	// An arm64 image on a Graviton type, through a network interface
	// with a public address.
	arm := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), &ec2.RunInstancesInput{
		ImageId: aws.String(f.DefaultNixOSImage("aarch64-linux")), InstanceType: types.InstanceTypeT4gSmall, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &n.subnet, Groups: []string{n.group}, AssociatePublicIpAddress: aws.Bool(true)}},
	})).Instances[0]
	if arm.Architecture != types.ArchitectureValuesArm64 || !strings.HasPrefix(aws.ToString(arm.PublicIpAddress), "198.51.100.") ||
		aws.ToString(arm.PrivateIpAddress) != "10.0.1.5" || len(arm.NetworkInterfaces) != 1 || aws.ToString(arm.NetworkInterfaces[0].Association.PublicIp) != aws.ToString(arm.PublicIpAddress) {
		t.Errorf("an arm64 instance with a public address: %+v", arm)
	}
}

func TestInstanceLifecycle(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: 20 * time.Millisecond, TerminatedVisibleFor: 100 * time.Millisecond})
	c := client(f)
	n := makeNetwork(t, c)
	id := aws.ToString(run(t, c, runInput(f, n, tagSpec(types.ResourceTypeInstance, "Name", "db"))).InstanceId)
	_, err := c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}})
	wantCode(t, err, "IncorrectInstanceState")
	_, err = c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState") // pending
	eventually(t, "the instance runs", func() bool { return !f.Busy("instance", id) })

	stop := must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	if s := stop.StoppingInstances[0]; s.CurrentState.Name != types.InstanceStateNameStopping || s.PreviousState.Name != types.InstanceStateNameRunning || aws.ToInt32(s.CurrentState.Code) != 64 {
		t.Errorf("StopInstances: %+v %+v", s.CurrentState, s.PreviousState)
	}
	_, err = c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState") // stopping
	eventually(t, "the instance stops", func() bool { return describe(t, c, id).State.Name == types.InstanceStateNameStopped })
	_, err = c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: aws.String("m7g.large")}})
	wantCode(t, err, "InvalidInstanceAttributeValue") // arm64
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}))
	other := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("db"), VpcId: &n.vpc}))
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, Groups: []string{*other.GroupId}}))
	must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	eventually(t, "the instance runs again", func() bool { return describe(t, c, id).State.Name == types.InstanceStateNameRunning })
	got := describe(t, c, id)
	if got.InstanceType != types.InstanceTypeT3Small || aws.ToString(got.SecurityGroups[0].GroupId) != *other.GroupId {
		t.Errorf("after the changes: %s %+v", got.InstanceType, got.SecurityGroups)
	}
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: other.GroupId})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: &n.subnet})
	wantCode(t, err, "DependencyViolation")

	// A data volume, an Elastic IP, then termination: the root volume
	// goes, the data volume and the address stay, free.
	data := must[*ec2.CreateVolumeOutput](t)(c.CreateVolume(ctx(t), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("eu-central-1a"), Size: aws.Int32(5)}))
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{}))
	eventually(t, "the volume is available", func() bool { return !f.Busy("volume", *data.VolumeId) })
	must[*ec2.AttachVolumeOutput](t)(c.AttachVolume(ctx(t), &ec2.AttachVolumeInput{VolumeId: data.VolumeId, InstanceId: &id, Device: aws.String("/dev/sdf")}))
	must[*ec2.AssociateAddressOutput](t)(c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id}))
	inst, _ := f.Instance(id)
	if len(inst.Volumes) != 2 || inst.ElasticIP != *eip.AllocationId || inst.PublicIP != *eip.PublicIp || inst.Type != "t3.small" || inst.Tags["Name"] != "db" {
		t.Errorf("Instance: %+v", inst)
	}
	rootVolume := inst.Volumes[0]

	term := must[*ec2.TerminateInstancesOutput](t)(c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	if s := term.TerminatingInstances[0]; s.CurrentState.Name != types.InstanceStateNameShuttingDown {
		t.Errorf("TerminateInstances: %+v", s.CurrentState)
	}
	eventually(t, "the instance is terminated", func() bool { return describe(t, c, id).State.Name == types.InstanceStateNameTerminated })
	if got := describe(t, c, id); got.StateReason == nil || aws.ToString(got.StateReason.Code) != "Client.UserInitiatedShutdown" || got.PublicIpAddress != nil {
		t.Errorf("a terminated instance: %+v", got)
	}
	if _, ok := f.Volume(rootVolume); ok {
		t.Error("the root volume outlived its instance")
	}
	if v, _ := f.Volume(*data.VolumeId); v.State != "available" || v.Instance != "" {
		t.Errorf("the data volume after termination: %+v", v)
	}
	addrs := must[*ec2.DescribeAddressesOutput](t)(c.DescribeAddresses(ctx(t), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}}))
	if addrs.Addresses[0].InstanceId != nil {
		t.Errorf("the address is still associated: %+v", addrs.Addresses[0])
	}
	live := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{
		filter("tag:Name", "db"), filter("instance-state-name", "pending", "running", "stopping", "stopped"),
	}}))
	if len(live.Reservations) != 0 {
		t.Errorf("a terminated instance is listed as live: %+v", live.Reservations)
	}
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: &n.subnet}))
	// Terminated instances are forgotten after a while.
	eventually(t, "the instance is forgotten", func() bool { _, ok := f.Instance(id); return !ok })
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestInstanceIdempotencyAndQuota(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	in := runInput(f, n)
	in.ClientToken = aws.String("launch-web-1")
	first := run(t, c, in)
	second := run(t, c, in)
	if aws.ToString(first.InstanceId) != aws.ToString(second.InstanceId) || len(f.Objects("instance")) != 1 || len(f.Objects("volume")) != 1 {
		t.Errorf("a repeated client token launched %s and %s", aws.ToString(first.InstanceId), aws.ToString(second.InstanceId))
	}
	in.InstanceType = types.InstanceTypeT3Small
	_, err := c.RunInstances(ctx(t), in)
	wantCode(t, err, "IdempotentParameterMismatch")

	f.SetQuota("instance", 2)
	run(t, c, runInput(f, n))
	_, err = c.RunInstances(ctx(t), runInput(f, n))
	wantCode(t, err, "InstanceLimitExceeded")
	f.SetQuota("instance", -1)
	f.SetQuota("vcpu", 6)
	run(t, c, runInput(f, n))
	_, err = c.RunInstances(ctx(t), runInput(f, n))
	wantCode(t, err, "VcpuLimitExceeded")
}

func TestHideNew(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	f.HideNew(150 * time.Millisecond)
	start := time.Now()
	id := aws.ToString(run(t, c, runInput(f, n, tagSpec(types.ResourceTypeInstance, "Name", "new"))).InstanceId)
	vol := must[*ec2.CreateVolumeOutput](t)(c.CreateVolume(ctx(t), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("eu-central-1a"), Size: aws.Int32(1)}))
	eip := must[*ec2.AllocateAddressOutput](t)(c.AllocateAddress(ctx(t), &ec2.AllocateAddressInput{}))

	_, err := c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: &id})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.AttachVolume(ctx(t), &ec2.AttachVolumeInput{VolumeId: vol.VolumeId, InstanceId: &id, Device: aws.String("/dev/sdf")})
	wantCode(t, err, "InvalidVolume.NotFound")
	_, err = c.DescribeAddresses(ctx(t), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	if time.Since(start) > 100*time.Millisecond {
		t.Skip("too slow a machine to see what HideNew hides")
	}
	// Filters find it.
	out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("tag:Name", "new")}}))
	if len(out.Reservations) != 1 {
		t.Errorf("a tag filter does not find a new instance: %+v", out.Reservations)
	}
	eventually(t, "the instance and address are visible", func() bool {
		_, err := c.AssociateAddress(ctx(t), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id})
		if err != nil && !strings.HasSuffix(code(err), ".NotFound") {
			t.Fatal(err)
		}
		return err == nil
	})
	describe(t, c, id)
}

func TestConsoleHostKey(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: 30 * time.Millisecond})
	c := client(f)
	n := makeNetwork(t, c)
	id := aws.ToString(run(t, c, runInput(f, n)).InstanceId)
	out := must[*ec2.GetConsoleOutputOutput](t)(c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: &id, Latest: aws.Bool(true)}))
	if out.Output != nil {
		t.Errorf("a pending instance has console output: %q", aws.ToString(out.Output))
	}
	var text string
	eventually(t, "the host keys are printed", func() bool {
		out := must[*ec2.GetConsoleOutputOutput](t)(c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: &id}))
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
		if err != nil {
			t.Fatalf("the console output is not base64: %v", err)
		}
		text = string(raw)
		return text != ""
	})
	if aws.ToString(out.InstanceId) != id || !strings.Contains(text, "<<< NixOS Stage 2 >>>") {
		t.Errorf("a console without a boot log:\n%s", text)
	}
	_, keys, _ := strings.Cut(text, "-----BEGIN SSH HOST KEY KEYS-----\r\n")
	line, _, _ := strings.Cut(keys, "\r\n")
	pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatalf("no key in the keys block: %q (%v)", line, err)
	}
	signer := f.HostKey(id)
	inst, _ := f.Instance(id)
	if string(pub.Marshal()) != string(signer.PublicKey().Marshal()) || comment != "root@ip-"+strings.ReplaceAll(inst.PrivateIP, ".", "-") ||
		!strings.HasPrefix(inst.HostKey, "ssh-ed25519 AAAA") {
		t.Errorf("the console shows key %s (%s), the instance has %s", line, comment, inst.HostKey)
	}
	fp := ssh.FingerprintSHA256(pub)
	if !strings.Contains(text, "-----BEGIN SSH HOST KEY FINGERPRINTS-----\r\n256 "+fp+" "+comment+" (ED25519)\r\n-----END SSH HOST KEY FINGERPRINTS-----") {
		t.Errorf("no fingerprint block with %s:\n%s", fp, text)
	}
	if other := run(t, c, runInput(f, n)); f.HostKey(*other.InstanceId) == nil || string(f.HostKey(*other.InstanceId).PublicKey().Marshal()) == string(pub.Marshal()) {
		t.Error("two instances share a host key")
	}

	f.SetConsoleOutput(id, "garbled")
	out = must[*ec2.GetConsoleOutputOutput](t)(c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: &id}))
	if raw, _ := base64.StdEncoding.DecodeString(aws.ToString(out.Output)); string(raw) != "garbled" {
		t.Errorf("SetConsoleOutput: %q", raw)
	}
}
