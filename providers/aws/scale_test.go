package aws_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/aws"
	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

// machines are n machines spread over the region's three zones, each with
// a data disk.
func machines(n int) []providers.MachineSpec {
	out := make([]providers.MachineSpec, n)
	for i := range out {
		out[i] = machine("scale", fmt.Sprintf("m%d", i))
		out[i].Location = "eu-central-1" + string(rune('a'+i%3))
	}
	return out
}

// deployed is a fake holding a deployment of n machines, made through the
// provider, and a fresh provider bound to it (its catalogue not read yet,
// as at the start of a plan).
func deployed(tb testing.TB, n int) (*aws.Provider, *ec2fake.Fake, []providers.MachineSpec) {
	p, f := fresh(tb, ec2fake.Options{})
	f.SetQuota("elastic_ip", -1)
	f.SetQuota("instance", -1)
	ms := machines(n)
	if _, err := apply(tb, p, "scale", ms...); err != nil {
		tb.Fatal(err)
	}
	p2, err := aws.New(context.Background(), optionsFor(f))
	if err != nil {
		tb.Fatal(err)
	}
	return p2, f, ms
}

// planRequests is what a plan asks the provider: the resources desired
// (reading the catalogue), checked, and listed.
func planRequests(tb testing.TB, p *aws.Provider, f *ec2fake.Fake, ms []providers.MachineSpec) (map[string]int, int) {
	ctx := context.Background()
	f.ResetRequests()
	desired, err := p.Desired(ctx, "scale", ms)
	if err != nil {
		tb.Fatal(err)
	}
	if errs := p.Validate(ctx, desired); len(errs) > 0 {
		tb.Fatal(errs)
	}
	got, err := p.List(ctx, "scale")
	if err != nil {
		tb.Fatal(err)
	}
	if len(got) != len(desired) {
		tb.Fatalf("List found %d resources, %d desired", len(got), len(desired))
	}
	return f.Calls(), f.Requests()
}

// A plan's requests do not grow with the number of machines: one
// Describe call per kind, plus the catalogue (zones, images) and the
// instance types.
func TestPlanRequestsPer200Instances(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 200 instances")
	}
	one, fOne, msOne := deployed(t, 1)
	callsOne, totalOne := planRequests(t, one, fOne, msOne)
	many, fMany, msMany := deployed(t, 200)
	callsMany, totalMany := planRequests(t, many, fMany, msMany)
	if totalMany != totalOne || !maps.Equal(callsOne, callsMany) {
		t.Errorf("a plan of 200 instances makes %d requests %v, one of 1 makes %d %v", totalMany, callsMany, totalOne, callsOne)
	}
	if totalMany > 12 {
		t.Errorf("a plan makes %d requests: %v; at most 12 expected (9 kinds, zones, images, instance types)", totalMany, callsMany)
	}
	t.Logf("a plan of 200 instances: %d requests: %v", totalMany, slices.Sorted(maps.Keys(callsMany)))
}

// BenchmarkPlan200 measures a plan's provider work for 200 instances.
func BenchmarkPlan200(b *testing.B) {
	_, f, ms := deployed(b, 200)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		fresh, err := aws.New(ctx, optionsFor(f))
		if err != nil {
			b.Fatal(err)
		}
		planRequests(b, fresh, f, ms)
	}
	b.ReportMetric(float64(f.Requests()), "requests/plan")
}
