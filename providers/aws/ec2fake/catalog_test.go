package ec2fake_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

// TestImages looks up NixOS images as freecloud does: by the NixOS
// account, name pattern, state and architecture, newest first.
func TestImages(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{PageSize: 2})
	c := client(f)
	newest := func(owners []string) map[types.ArchitectureValues]types.Image {
		out := map[types.ArchitectureValues]types.Image{}
		pages := ec2.NewDescribeImagesPaginator(c, &ec2.DescribeImagesInput{
			Owners: owners,
			Filters: []types.Filter{
				filter("name", "nixos/26.05*"), filter("state", "available"), filter("architecture", "x86_64", "arm64"),
			},
		})
		for pages.HasMorePages() {
			for _, img := range must[*ec2.DescribeImagesOutput](t)(pages.NextPage(ctx(t))).Images {
				if old, ok := out[img.Architecture]; !ok || aws.ToString(img.CreationDate) > aws.ToString(old.CreationDate) {
					out[img.Architecture] = img
				}
			}
		}
		return out
	}
	official := newest([]string{ec2fake.NixOSOwner})
	x86, arm := official[types.ArchitectureValuesX8664], official[types.ArchitectureValuesArm64]
	if aws.ToString(x86.ImageId) != f.DefaultNixOSImage("x86_64") || aws.ToString(arm.ImageId) != f.DefaultNixOSImage("arm64") ||
		aws.ToString(x86.Name) != "nixos/26.05.1874.0a1b2c3d4e5f-x86_64-linux" || aws.ToString(arm.Name) != "nixos/26.05.1711.5c6d7e8f9a0b-aarch64-linux" {
		t.Errorf("the newest NixOS images: %s %s", aws.ToString(x86.Name), aws.ToString(arm.Name))
	}
	if aws.ToString(x86.OwnerId) != ec2fake.NixOSOwner || aws.ToString(x86.RootDeviceName) != "/dev/xvda" || x86.State != types.ImageStateAvailable {
		t.Errorf("an image: %+v", x86)
	}
	if _, err := time.Parse(time.RFC3339, aws.ToString(x86.CreationDate)); err != nil {
		t.Errorf("creation date: %v", err)
	}
	// Without the owner, someone else's image named like NixOS's wins.
	if anyone := newest(nil)[types.ArchitectureValuesX8664]; aws.ToString(anyone.OwnerId) == ec2fake.NixOSOwner {
		t.Errorf("no impostor: %+v", anyone)
	}

	id := f.AddImage(ec2fake.Image{Name: "nixos/26.05.2001.ffffffffffff-x86_64-linux", Architecture: "x86_64", CreationDate: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)})
	if got := newest([]string{ec2fake.NixOSOwner})[types.ArchitectureValuesX8664]; aws.ToString(got.ImageId) != id || f.DefaultNixOSImage("x86_64-linux") != id {
		t.Errorf("a newer image: %s", aws.ToString(got.ImageId))
	}
	_, err := c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAMIID.NotFound")
}

func TestInstanceTypesAndZones(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{PageSize: 2})
	c := client(f)
	out := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t4g.small"}}))
	it := out.InstanceTypes[0]
	if it.ProcessorInfo.SupportedArchitectures[0] != types.ArchitectureTypeArm64 || aws.ToInt32(it.VCpuInfo.DefaultVCpus) != 2 || aws.ToInt64(it.MemoryInfo.SizeInMiB) != 2048 {
		t.Errorf("t4g.small: %+v", it)
	}
	_, err := c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t4g.small", "x1.mega"}})
	wantCode(t, err, "InvalidInstanceType")

	// A filter leaves an unknown type out instead; pages of 2.
	var names []string
	pages := ec2.NewDescribeInstanceTypesPaginator(c, &ec2.DescribeInstanceTypesInput{
		Filters: []types.Filter{filter("instance-type", "t3.micro", "t3.small", "t3.medium", "t3.large", "m7i.large", "c7i.large", "t4g.small", "t4g.medium", "m7g.large", "c7gn.large", "x1.mega")},
	})
	for pages.HasMorePages() {
		for _, it := range must[*ec2.DescribeInstanceTypesOutput](t)(pages.NextPage(ctx(t))).InstanceTypes {
			names = append(names, string(it.InstanceType))
		}
	}
	if len(names) != 10 || slices.Contains(names, "x1.mega") {
		t.Errorf("instance types: %v", names)
	}

	zones := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx(t), &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("state", "available")}}))
	var got []string
	for _, z := range zones.AvailabilityZones {
		got = append(got, aws.ToString(z.ZoneName))
		if aws.ToString(z.ZoneType) != "availability-zone" || aws.ToString(z.RegionName) != "eu-central-1" {
			t.Errorf("zone: %+v", z)
		}
	}
	if !slices.Equal(got, []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"}) || aws.ToString(zones.AvailabilityZones[0].ZoneId) != "euc1-az1" {
		t.Errorf("zones: %v", got)
	}
}

func TestAddForeign(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{OperationTime: time.Hour})
	c := client(f)
	ids := map[string]string{}
	for _, typ := range ec2fake.ResourceTypes {
		ids[typ] = f.AddForeign(typ, "foreign-"+typ, map[string]string{"owner": "ops"})
	}
	for typ, id := range ids {
		if tags := f.Tags(id); tags["Name"] != "foreign-"+typ || tags["owner"] != "ops" {
			t.Errorf("%s %s: tags %v", typ, id, tags)
		}
		if f.Busy(typ, id) {
			t.Errorf("a foreign %s is busy", typ)
		}
	}
	i := describe(t, c, ids["instance"])
	if i.State.Name != types.InstanceStateNameRunning || aws.ToString(i.KeyName) != "" {
		t.Errorf("a foreign instance: %+v", i)
	}
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("tag:owner", "ops")}}))
	if len(groups.SecurityGroups) != 1 || aws.ToString(groups.SecurityGroups[0].GroupName) != "foreign-security-group" {
		t.Errorf("a foreign group: %+v", groups.SecurityGroups)
	}
	keys := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{KeyNames: []string{"foreign-key-pair"}}))
	if aws.ToString(keys.KeyPairs[0].KeyPairId) != ids["key-pair"] {
		t.Errorf("a foreign key pair: %+v", keys.KeyPairs)
	}
	if f.Requests() != 3 {
		t.Errorf("AddForeign made requests: %d", f.Requests())
	}
}
