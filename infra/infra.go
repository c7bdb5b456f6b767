// Package infra connects a loaded deployment to its providers: which
// providers it uses, the resources its machines need at each, and what
// each provider has now. plan and apply work on what it returns.
package infra

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/providers"
	"github.com/hashicorp/hcl/v2"
)

// An Opener connects to the provider of one provider block. It returns
// nil for provider types without cloud resources (bare metal).
type Opener func(ctx context.Context, p *config.Provider) (providers.Provider, error)

// Open connects to every provider the deployment's machines use, and to
// those where state still records resources (held), so that the
// resources of machines that moved away are found and deleted. State
// with resources at a provider the deployment no longer declares is an
// error: nothing could delete them.
func Open(ctx context.Context, dep *config.Deployment, openers map[string]Opener, held map[string]bool) (map[string]providers.Provider, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	declared := map[string]bool{}
	for _, p := range dep.Providers {
		declared[p.Address()] = true
	}
	for _, addr := range sortedKeys(held) {
		if !declared[addr] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "State holds resources at an undeclared provider",
				Detail:   fmt.Sprintf("State records resources at %s, which the deployment no longer declares, so nothing could delete them. Declare the provider block again until apply has deleted them (a block no machine uses keeps its resources only until then), or remove them from state with freecloud state rm if they are gone.", addr),
				Subject:  dep.DeclRange.Ptr(),
			})
		}
	}
	out := map[string]providers.Provider{}
	for _, p := range dep.Providers {
		if !used(dep, p) && !held[p.Address()] {
			continue
		}
		open, ok := openers[p.Type]
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider not available yet",
				Detail:   fmt.Sprintf("freecloud cannot provision %s machines yet; generate works, plan and apply do not.", p.Type),
				Subject:  p.DeclRange.Ptr(),
			})
			continue
		}
		prov, err := open(ctx, p)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot use " + p.Address(), Detail: err.Error(), Subject: p.DeclRange.Ptr()})
			continue
		}
		if prov != nil {
			out[p.Address()] = prov
		}
	}
	return out, diags
}

func used(dep *config.Deployment, p *config.Provider) bool {
	for _, m := range dep.Machines {
		if m.Provider == p {
			return true
		}
	}
	return false
}

// Desired derives the resources every provider needs for its machines.
func Desired(ctx context.Context, dep *config.Deployment, provs map[string]providers.Provider, ports map[string][]providers.Port) (map[string][]*providers.Resource, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	specs := map[string][]providers.MachineSpec{}
	for _, m := range dep.Machines {
		addr := m.Provider.Address()
		if provs[addr] == nil {
			continue
		}
		spec := providers.MachineSpec{Name: m.Name, Location: m.Location, Size: m.Size, Admins: m.Admins, Ports: ports[m.Name], Labels: m.Labels}
		for _, d := range m.Disks {
			spec.Disks = append(spec.Disks, providers.DiskSpec{Name: d.Name, SizeGB: d.SizeGB})
		}
		specs[addr] = append(specs[addr], spec)
	}
	out := map[string][]*providers.Resource{}
	for addr, prov := range provs {
		rs, err := prov.Desired(ctx, dep.Name, specs[addr])
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot derive the resources of " + addr, Detail: err.Error()})
			continue
		}
		providers.SortResources(rs)
		out[addr] = rs
	}
	return out, diags
}

// Validate asks each provider whether it offers what the machines ask for
// (locations, sizes, images) and points the problems at the machine's
// lines.
func Validate(ctx context.Context, dep *config.Deployment, provs map[string]providers.Provider, desired map[string][]*providers.Resource) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, addr := range sortedKeys(provs) {
		for _, e := range provs[addr].Validate(ctx, desired[addr]) {
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not available at " + addr, Detail: e.Error()}
			if m := machineOf(dep, e.Address); m != nil {
				d.Subject = m.DeclRange.Ptr()
				if rng, ok := m.Ranges[machineAttr(e.Attr)]; ok {
					d.Subject = rng.Ptr()
				}
			}
			diags = append(diags, d)
		}
	}
	return diags
}

// machineOf finds the machine a resource belongs to: resources are named
// after their machine (server.web1, volume.web1-data); the longest
// matching machine name wins.
func machineOf(dep *config.Deployment, address string) *config.Machine {
	_, name, _ := strings.Cut(address, ".")
	var best *config.Machine
	for _, m := range dep.Machines {
		if (name == m.Name || strings.HasPrefix(name, m.Name+"-")) && (best == nil || len(m.Name) > len(best.Name)) {
			best = m
		}
	}
	return best
}

// machineAttr maps a provider attribute to the machine attribute it came
// from, so the diagnostic points at the operator's line.
func machineAttr(attr string) string {
	switch attr {
	case "server_type", "instance_type", "size":
		return "size"
	case "location", "region", "zone", "availability_zone":
		return "location"
	}
	return attr
}

// Refresh lists what every provider has for the deployment, providers in
// parallel.
func Refresh(ctx context.Context, deployment string, provs map[string]providers.Provider) (map[string][]*providers.Resource, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string][]*providers.Resource{}
	errs := map[string]error{}
	for addr, prov := range provs {
		wg.Add(1)
		go func(addr string, prov providers.Provider) {
			defer wg.Done()
			rs, err := prov.List(ctx, deployment)
			providers.SortResources(rs)
			mu.Lock()
			defer mu.Unlock()
			out[addr], errs[addr] = rs, err
		}(addr, prov)
	}
	wg.Wait()
	for _, addr := range sortedKeys(errs) {
		if errs[addr] != nil {
			return nil, fmt.Errorf("listing the resources at %s: %w", addr, errs[addr])
		}
	}
	return out, nil
}

// Kinds returns each provider's kinds.
func Kinds(provs map[string]providers.Provider) map[string][]providers.KindSpec {
	out := map[string][]providers.KindSpec{}
	for addr, prov := range provs {
		out[addr] = prov.Kinds()
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
