package hetzner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
)

func TestValidate(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	f.DeprecateServerType("cx42", time.Now().Add(90*24*time.Hour))
	machine := func(location, size string, disks ...providers.DiskSpec) providers.MachineSpec {
		m := at("m", location)
		m.Size, m.Disks = size, disks
		return m
	}
	for _, tt := range []struct {
		name    string
		machine providers.MachineSpec
		want    []string // address: attr: message parts; none if valid
	}{
		{"valid", machine("nbg1", "cax21", providers.DiskSpec{Name: "data", SizeGB: 10}), nil},
		{"location typo", machine("fsn2", "cx22"), []string{"server.m: location", `no location "fsn2"`, `Did you mean "fsn1"?`}},
		{"server type typo", machine("fsn1", "cpx5"), []string{"server.m: server_type", `no server type "cpx5"`, `Did you mean "cpx51"?`}},
		{"server type not sold there", machine("ash", "cx22"), []string{"server.m: server_type", `"cx22" is not sold in ash but in fsn1,hel1,nbg1`, `Did you mean`}},
		{"retired server type", machine("fsn1", "cx11"), []string{"server.m: server_type", "can no longer be ordered", `Did you mean "cpx11"?`}},
		{"deprecated server type", machine("fsn1", "cx42"), []string{"server.m: server_type", "deprecated", "will no longer be available"}},
		{"volume too small", machine("fsn1", "cx22", providers.DiskSpec{Name: "data", SizeGB: 5}), []string{"volume.m-data: size", "10 to 10240 GB"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			desired, err := p.Desired(context.Background(), "acme", []providers.MachineSpec{tt.machine})
			if err != nil {
				t.Fatal(err)
			}
			errs := p.Validate(context.Background(), desired)
			if tt.want == nil {
				if len(errs) > 0 {
					t.Errorf("errors for a valid machine: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			for _, part := range tt.want {
				if !strings.Contains(errs[0].Error(), part) {
					t.Errorf("%q does not say %q", errs[0].Error(), part)
				}
			}
		})
	}
	// The image is checked against the server type's architecture.
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{machine("fsn1", "cax11")})
	for _, r := range desired {
		if r.Kind == "server" {
			r.Attrs["image"] = "debian-14"
		}
	}
	if errs := p.Validate(context.Background(), desired); len(errs) != 1 || !strings.Contains(errs[0].Error(), `Did you mean "debian-12"?`) {
		t.Errorf("an unknown image gave %v", errs)
	}
}

// The catalogue is read once per provider: three requests, then none.
func TestValidateCachesTheCatalogue(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{at("m", "fsn1")})
	for range 3 {
		if errs := p.Validate(context.Background(), desired); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	if n := f.Requests(); n != 3 {
		t.Errorf("3 validations made %d requests, want 3 (locations, server types, images)", n)
	}
}

func TestValidateRefusesMoreServersThanANetworkHolds(t *testing.T) {
	fake := hcloudfake.New(t, hcloudfake.Options{})
	p, err := hetzner.New(context.Background(), hetzner.Options{Token: fake.Token(), Endpoint: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	var machines []providers.MachineSpec
	for i := 0; i < 101; i++ {
		machines = append(machines, providers.MachineSpec{Name: fmt.Sprintf("m%03d", i), Location: "fsn1", Size: "cx22", Admins: []string{hcloudfake.PublicKey("ops")}})
	}
	desired, err := p.Desired(context.Background(), "big", machines)
	if err != nil {
		t.Fatal(err)
	}
	errs := p.Validate(context.Background(), desired)
	if len(errs) != 1 || errs[0].Address != "network.eu-central" || !strings.Contains(errs[0].Msg, "at most 100 servers, and 101 machines") {
		t.Fatalf("got %v", errs)
	}
}
