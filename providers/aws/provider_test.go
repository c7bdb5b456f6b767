package aws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/aws"
	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

// apply makes the desired resources of machines in create order and
// returns them by address.
func apply(t testing.TB, p *aws.Provider, deployment string, ms ...providers.MachineSpec) (map[string]*providers.Resource, error) {
	t.Helper()
	ctx := context.Background()
	desired, err := p.Desired(ctx, deployment, ms)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]*providers.Resource{}
	ids := func(addr string) (string, bool) {
		if r := made[addr]; r != nil {
			return r.ID, true
		}
		return "", false
	}
	for _, k := range p.Kinds() {
		for _, r := range desired {
			if r.Kind != k.Kind {
				continue
			}
			c, err := p.Create(ctx, deployment, r, ids)
			if err != nil {
				return made, err
			}
			made[r.Address()] = c
		}
	}
	return made, nil
}

func instanceOf(t *testing.T, f *ec2fake.Fake, made map[string]*providers.Resource, machine string) ec2fake.Instance {
	t.Helper()
	r := made["instance."+machine]
	if r == nil {
		t.Fatalf("instance.%s was not made", machine)
	}
	inst, ok := f.Instance(r.ID)
	if !ok {
		t.Fatalf("the fake has no instance %s", r.ID)
	}
	return inst
}

// A new instance boots the newest available NixOS image of the release
// for its architecture, published by NixOS's account (an impostor image
// of the same name and a pending one are passed over), runs with its
// Elastic IP and volumes, and is tagged.
func TestInstanceFromNewestNixOSImage(t *testing.T) {
	p, f := fresh(t, ec2fake.Options{})
	x86, arm := machine("acme", "web1"), machine("acme", "arm1")
	arm.Size = "t4g.small"
	made, err := apply(t, p, "acme", x86, arm)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ machine, arch, image string }{
		{"web1", "x86_64", f.DefaultNixOSImage("x86_64")},
		{"arm1", "arm64", f.DefaultNixOSImage("arm64")},
	} {
		inst := instanceOf(t, f, made, tt.machine)
		if inst.ImageID != tt.image || inst.Architecture != tt.arch {
			t.Errorf("%s boots %s (%s), want the newest NixOS image %s", tt.machine, inst.ImageID, inst.Architecture, tt.image)
		}
		if inst.State != "running" || inst.ElasticIP != made["elastic_ip."+tt.machine].ID || len(inst.Volumes) != 2 {
			t.Errorf("%s: %+v: want it running with its Elastic IP, root volume and data volume", tt.machine, inst)
		}
		for k, v := range map[string]string{"freecloud:deployment": "acme", "freecloud:kind": "instance", "freecloud:name": tt.machine, "Name": "acme-" + tt.machine, "team": "web"} {
			if inst.Tags[k] != v {
				t.Errorf("%s: tag %s = %q, want %q", tt.machine, k, inst.Tags[k], v)
			}
		}
		if inst.KeyName != "acme-"+made["instance."+tt.machine].Attrs["key_pair"] {
			t.Errorf("%s: key pair %s", tt.machine, inst.KeyName)
		}
	}
	listed, err := p.List(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range listed {
		if r.Address() == "instance.web1" {
			inst := instanceOf(t, f, made, "web1")
			if r.Outputs["ipv4"] != inst.PublicIP || r.Outputs["ipv4"] == "" {
				t.Errorf("instance.web1 reports ipv4 %q, its Elastic IP is %q", r.Outputs["ipv4"], inst.PublicIP)
			}
		}
		if r.Kind == "volume" && !strings.HasPrefix(r.Outputs["device"], "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol") {
			t.Errorf("%s reports device %q", r.Address(), r.Outputs["device"])
		}
	}
}

// Throttling and a server error are retried; eventual consistency (a new
// instance unknown to the next calls naming it) is waited out.
func TestThrottlingAndEventualConsistency(t *testing.T) {
	p, f := fresh(t, ec2fake.Options{})
	f.HideNew(50 * time.Millisecond)
	f.FailNext("RunInstances", 2, "RequestLimitExceeded")
	f.FailNext("AssociateAddress", 1, "Unavailable")
	f.FailNext("DescribeInstances", 3, "RequestLimitExceeded")
	made, err := apply(t, p, "acme", machine("acme", "web1"))
	if err != nil {
		t.Fatal(err)
	}
	inst := instanceOf(t, f, made, "web1")
	if inst.State != "running" || inst.ElasticIP == "" || len(inst.Volumes) != 2 {
		t.Errorf("instance %+v: want it running with its address and volume despite throttling and eventual consistency", inst)
	}
	if n := len(f.Objects("instance")); n != 1 {
		t.Errorf("%d instances exist; retries must not make a second", n)
	}
}

// A quota error names the resource and says which quota and where to
// raise it; nothing is retried into existence.
func TestQuotaError(t *testing.T) {
	p, f := fresh(t, ec2fake.Options{})
	f.SetQuota("elastic_ip", 0)
	_, err := apply(t, p, "acme", machine("acme", "web1"))
	if err == nil {
		t.Fatal("allocating beyond the Elastic IP quota succeeded")
	}
	for _, want := range []string{"elastic_ip.web1", "AddressLimitExceeded", "Service Quotas"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// The host keys an instance prints on its console are read through the
// API; none while it has not printed them.
func TestHostKeysFromConsole(t *testing.T) {
	p, f := fresh(t, ec2fake.Options{})
	made, err := apply(t, p, "acme", machine("acme", "web1"))
	if err != nil {
		t.Fatal(err)
	}
	inst := instanceOf(t, f, made, "web1")
	keys, err := p.HostKeys(context.Background(), made["instance.web1"])
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasPrefix(inst.HostKey, keys[0]) {
		t.Fatalf("HostKeys = %q, the instance's key is %q", keys, inst.HostKey)
	}
	f.SetConsoleOutput(inst.ID, "[    0.000000] Linux version 6.12\r\n")
	if keys, err := p.HostKeys(context.Background(), made["instance.web1"]); err != nil || keys != nil {
		t.Errorf("before the keys are printed: %q, %v; want none", keys, err)
	}
}

// The catalogue checks: an unknown type, a type of the wrong architecture
// and a location outside the region are reported per instance, with the
// attribute at fault.
func TestValidate(t *testing.T) {
	p, _ := fresh(t, ec2fake.Options{})
	bad := map[string]func(m *providers.MachineSpec){
		"m1": func(m *providers.MachineSpec) { m.Size = "t3.nonsense" },
		"m2": func(m *providers.MachineSpec) { m.Size = "m7g.large.x86" },
		"m3": func(m *providers.MachineSpec) { m.Location = "eu-central-1z" },
	}
	var ms []providers.MachineSpec
	for _, name := range []string{"m1", "m2", "m3", "ok"} {
		m := machine("acme", name)
		if change := bad[name]; change != nil {
			change(&m)
		}
		ms = append(ms, m)
	}
	desired, err := p.Desired(context.Background(), "acme", ms)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range p.Validate(context.Background(), desired) {
		got[e.Address] = e.Attr + ": " + e.Msg
	}
	for addr, want := range map[string]string{
		"instance.m1": `instance_type: instance type "t3.nonsense" is not offered`,
		"instance.m2": `instance_type: instance type "m7g.large.x86" is not offered`,
		"instance.m3": `availability_zone: location "eu-central-1z" is neither region eu-central-1 nor one of its availability zones (eu-central-1a, eu-central-1b, eu-central-1c)`,
	} {
		if !strings.Contains(got[addr], want) {
			t.Errorf("%s: %q, want %q", addr, got[addr], want)
		}
	}
	if len(got) != 3 {
		t.Errorf("errors: %v; want one per bad machine", got)
	}
}

// A Graviton type on an x86 build (or the reverse) is refused, naming
// the architecture.
func TestValidateArchitecture(t *testing.T) {
	p, _ := fresh(t, ec2fake.Options{})
	m := machine("acme", "m1")
	desired, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{m})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range desired {
		if r.Kind == "instance" {
			r.Attrs["architecture"] = "arm64" // as if freecloud built for aarch64
		}
	}
	errs := p.Validate(context.Background(), desired)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "runs x86_64") {
		t.Errorf("errors: %v; want t3.small refused for an arm64 build", errs)
	}
}

// With an existing VPC and subnet, nothing of the network is made and
// instances go into that subnet; a location elsewhere, or a subnet of
// another VPC, is refused.
func TestExistingNetwork(t *testing.T) {
	_, f := fresh(t, ec2fake.Options{})
	vpc := f.AddForeign("vpc", "theirs", nil)
	subnet := f.AddForeign("subnet", "theirs", nil)
	sub, _ := f.Subnet(subnet)
	// Their network reaches the internet through their gateway.
	client := ec2.New(ec2.Options{Region: f.Region(), BaseEndpoint: sdk.String(f.URL()), Credentials: credentials.NewStaticCredentialsProvider(f.AccessKeyID(), f.SecretAccessKey(), "")})
	gateway := f.AddForeign("internet-gateway", "theirs", nil)
	if _, err := client.AttachInternetGateway(context.Background(), &ec2.AttachInternetGatewayInput{InternetGatewayId: sdk.String(gateway), VpcId: sdk.String(sub.VpcID)}); err != nil {
		t.Fatal(err)
	}
	opts := optionsFor(f)
	opts.VPC, opts.Subnet = sub.VpcID, subnet
	p, err := aws.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := machine("acme", "web1")
	m.Location = "eu-central-1"
	made, err := apply(t, p, "acme", m)
	if err != nil {
		t.Fatal(err)
	}
	for addr := range made {
		if strings.HasPrefix(addr, "vpc.") || strings.HasPrefix(addr, "subnet.") || strings.HasPrefix(addr, "internet_gateway.") || strings.HasPrefix(addr, "route_table.") {
			t.Errorf("%s was made in an existing network", addr)
		}
	}
	if inst := instanceOf(t, f, made, "web1"); inst.SubnetID != subnet || inst.Zone != sub.Zone {
		t.Errorf("instance in %s (%s), want subnet %s (%s)", inst.SubnetID, inst.Zone, subnet, sub.Zone)
	}
	_ = vpc

	m.Location = "eu-central-1" + otherZone(sub.Zone)
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{m})
	if errs := p.Validate(context.Background(), desired); len(errs) == 0 || !strings.Contains(errs[0].Msg, "is not where subnet_id") {
		t.Errorf("a location outside the subnet's zone: %v", errs)
	}
	opts.VPC = vpc // a VPC the subnet is not in
	if sub.VpcID != vpc {
		q, err := aws.New(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		m.Location = "eu-central-1"
		desired, _ := q.Desired(context.Background(), "acme", []providers.MachineSpec{m})
		if errs := q.Validate(context.Background(), desired); len(errs) == 0 || !strings.Contains(errs[len(errs)-1].Msg, "not in vpc_id") {
			t.Errorf("a subnet of another VPC: %v", errs)
		}
	}
}

func otherZone(zone string) string {
	if strings.HasSuffix(zone, "a") {
		return "b"
	}
	return "a"
}

// A region with no credentials in reach fails with the SDK's error at the
// first request, naming what was asked; New itself makes no request.
func TestNoRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	_, err := aws.New(context.Background(), aws.Options{Release: "26.05", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("New without a region: %v", err)
	}
}

// Deleting everything, in the reverse order of the kinds as apply does,
// waits for terminated instances to free what they held.
func TestDeleteWaitsForDependencies(t *testing.T) {
	p, f := fresh(t, ec2fake.Options{})
	f.SetOperationTime(30 * time.Millisecond)
	made, err := apply(t, p, "acme", machine("acme", "web1"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := p.Kinds()
	for i := len(kinds) - 1; i >= 0; i-- {
		for _, r := range made {
			if r.Kind == kinds[i].Kind {
				if err := p.Delete(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	rest, err := p.List(context.Background(), "acme")
	if err != nil || len(rest) != 0 {
		t.Errorf("after deleting everything: %v, %v", rest, err)
	}
}
