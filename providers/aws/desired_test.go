package aws

import (
	"context"
	"slices"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

const alice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKAk18JYRlASQU2dUyj1A4Rqe+FnZcBuoTOi6Ot3728t alice@acme.example"

// offline is a provider whose catalogue is already read, so Desired makes
// no request.
func offline(opts Options, cat *catalog) *Provider {
	p := &Provider{region: "eu-central-1", opts: opts}
	p.cat.cat = cat
	return p
}

var frankfurt = &catalog{
	zones:  []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"},
	images: map[string]image{"x86_64": {ID: "ami-0aaaaaaaaaaaaaaa1"}, "arm64": {ID: "ami-0bbbbbbbbbbbbbbb2"}},
}

func byAddress(rs []*providers.Resource) map[string]*providers.Resource {
	out := map[string]*providers.Resource{}
	for _, r := range rs {
		out[r.Address()] = r
	}
	return out
}

func TestDesiredOwnNetwork(t *testing.T) {
	p := offline(Options{Release: "26.05"}, frankfurt)
	rs, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{
		{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Disks: []providers.DiskSpec{{Name: "data", SizeGB: 10}},
			Ports: []providers.Port{{Protocol: "tcp", Port: 443}}, Labels: map[string]string{"team": "web"}},
		{Name: "arm1", Location: "eu-central-1b", Size: "t4g.small", Admins: []string{alice, alice + "2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := byAddress(rs)
	var addrs []string
	for _, r := range rs {
		addrs = append(addrs, r.Address())
	}
	want := "elastic_ip.arm1 elastic_ip.web1 instance.arm1 instance.web1 internet_gateway.eu-central-1 key_pair.key-97845adf86a0 route_table.eu-central-1 security_group.arm1 security_group.web1 subnet.eu-central-1a subnet.eu-central-1b volume.web1-data vpc.eu-central-1"
	if strings.Join(addrs, " ") != want {
		t.Fatalf("resources:\n got %s\nwant %s", strings.Join(addrs, " "), want)
	}
	web1 := got["instance.web1"]
	for attr, v := range map[string]string{
		"availability_zone": "eu-central-1a", "subnet": "eu-central-1a", "architecture": "x86_64", "image": "ami-0aaaaaaaaaaaaaaa1",
		"volumes": "web1-data", "labels": "team=web", "elastic_ip": "web1", "security_group": "web1", "key_pair": "key-97845adf86a0",
	} {
		if web1.Attrs[attr] != v {
			t.Errorf("instance.web1 %s = %q, want %q", attr, web1.Attrs[attr], v)
		}
	}
	if a := got["instance.arm1"]; a.Attrs["architecture"] != "arm64" || a.Attrs["image"] != "ami-0bbbbbbbbbbbbbbb2" || a.Attrs["subnet"] != "eu-central-1b" {
		t.Errorf("instance.arm1 = %v: want the arm64 image in eu-central-1b", a.Attrs)
	}
	if r := got["subnet.eu-central-1b"]; r.Attrs["cidr_block"] != "10.0.2.0/24" {
		t.Errorf("subnet b is %s, want 10.0.2.0/24 (numbered by its zone's letter)", r.Attrs["cidr_block"])
	}
	if r := got["route_table.eu-central-1"]; r.Attrs["subnets"] != "eu-central-1a,eu-central-1b" {
		t.Errorf("the route table associates %q", r.Attrs["subnets"])
	}
	if r := got["security_group.web1"]; r.Attrs["rules"] != "tcp/22,tcp/443" {
		t.Errorf("web1's rules are %q", r.Attrs["rules"])
	}
	if refs := strings.Join(web1.Refs, " "); refs != "elastic_ip.web1 key_pair.key-97845adf86a0 route_table.eu-central-1 security_group.web1 subnet.eu-central-1a volume.web1-data" {
		t.Errorf("instance.web1 refers to %s", refs)
	}
}

func TestDesiredExistingNetwork(t *testing.T) {
	cat := &catalog{zones: frankfurt.zones, images: frankfurt.images, subnet: &types.Subnet{
		SubnetId: awssdk.String("subnet-0123456789abcdef0"), VpcId: awssdk.String("vpc-0123456789abcdef0"), AvailabilityZone: awssdk.String("eu-central-1c"),
	}}
	p := offline(Options{Release: "26.05", VPC: "vpc-0123456789abcdef0", Subnet: "subnet-0123456789abcdef0"}, cat)
	rs, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}}})
	if err != nil {
		t.Fatal(err)
	}
	got := byAddress(rs)
	for _, kind := range []string{"vpc", "subnet", "internet_gateway", "route_table"} {
		for addr := range got {
			if strings.HasPrefix(addr, kind+".") {
				t.Errorf("%s is made though the provider block names an existing network", addr)
			}
		}
	}
	web1 := got["instance.web1"]
	if web1.Attrs["subnet"] != "subnet-0123456789abcdef0" || web1.Attrs["availability_zone"] != "eu-central-1c" {
		t.Errorf("instance.web1 = %v: want the existing subnet and its zone", web1.Attrs)
	}
	if got["security_group.web1"].Attrs["vpc"] != "vpc-0123456789abcdef0" {
		t.Errorf("the security group is not in the existing VPC: %v", got["security_group.web1"].Attrs)
	}
}

func TestDesiredRefuses(t *testing.T) {
	p := offline(Options{Release: "26.05"}, frankfurt)
	for _, tt := range []struct {
		name string
		m    providers.MachineSpec
		want string
	}{
		{"no admin", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small"}, "needs at least one admin"},
		{"freecloud's tag", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Labels: map[string]string{"freecloud:name": "x"}}, "is freecloud's"},
		{"the Name tag", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Labels: map[string]string{"Name": "x"}}, "Name tag"},
		{"a comma", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Labels: map[string]string{"team": "a,b"}}, "EC2 tags take"},
		{"a bad port", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Ports: []providers.Port{{Protocol: "sctp", Port: 1}}}, "tcp or udp"},
		{"a bad key", providers.MachineSpec{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{"ssh-ed25519"}}, "not an OpenSSH public key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{tt.m})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "web1") {
				t.Errorf("err = %v; want one about web1 saying %q", err, tt.want)
			}
		})
	}
}

// Every resource refers to what must exist before it: apply creates in
// that order and nothing else.
func TestDesiredRefsCoverIDs(t *testing.T) {
	p := offline(Options{Release: "26.05"}, frankfurt)
	rs, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{{Name: "web1", Location: "eu-central-1", Size: "t3.small", Admins: []string{alice}, Disks: []providers.DiskSpec{{Name: "data", SizeGB: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The attributes that name another resource of the deployment.
	refAttrs := map[string]string{"vpc": "vpc", "subnet": "subnet", "security_group": "security_group", "elastic_ip": "elastic_ip", "default_route": "internet_gateway"}
	for _, r := range rs {
		for attr, kind := range refAttrs {
			if v := r.Attrs[attr]; v != "" && !slices.Contains(r.Refs, kind+"."+v) {
				t.Errorf("%s names %s %q but does not refer to %s.%s", r.Address(), attr, v, kind, v)
			}
		}
	}
}
