package providertest

import (
	"context"
	"testing"

	"github.com/freecloud/freecloud/providers"
)

// RunWithoutAPI is the part of the suite that applies to a provider
// without an API (bare metal): it has no kinds, so every machine, however
// many, needs no resource, its list is empty, whatever it is asked to
// validate is refused by address, and a request to create, change or
// delete is refused rather than pretended.
func RunWithoutAPI(t *testing.T, p providers.Provider, machines []providers.MachineSpec) {
	ctx := context.Background()
	if kinds := p.Kinds(); len(kinds) != 0 {
		t.Fatalf("Kinds() = %v, want none", kinds)
	}
	for _, n := range []int{0, 1, len(machines)} {
		rs, err := p.Desired(ctx, deployment, machines[:n])
		if err != nil || len(rs) != 0 {
			t.Errorf("Desired(%d machines) = %v, %v; want no resources", n, rs, err)
		}
	}
	if rs, err := p.List(ctx, deployment); err != nil || len(rs) != 0 {
		t.Errorf("List = %v, %v; want nothing", rs, err)
	}
	if errs := p.Validate(ctx, nil); len(errs) != 0 {
		t.Errorf("Validate(nothing) = %v", errs)
	}
	stray := &providers.Resource{Kind: "server", Name: "m1", Attrs: map[string]string{}}
	if errs := p.Validate(ctx, []*providers.Resource{stray}); len(errs) != 1 || errs[0].Address != "server.m1" {
		t.Errorf("Validate(a server) = %v; want it refused by address", errs)
	}
	noIDs := func(string) (string, bool) { return "", false }
	if r, err := p.Create(ctx, deployment, stray, noIDs); err == nil || r != nil {
		t.Errorf("Create = %v, %v; want a refusal", r, err)
	}
	if r, err := p.Update(ctx, deployment, stray, stray, noIDs); err == nil || r != nil {
		t.Errorf("Update = %v, %v; want a refusal", r, err)
	}
	if err := p.Delete(ctx, stray); err == nil {
		t.Error("Delete: want a refusal")
	}
}
