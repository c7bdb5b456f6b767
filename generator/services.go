package generator

import (
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/hashicorp/hcl/v2"
)

// A ServiceInstance is one service as it runs on its machine: declared by
// the operator, or a profile another one requires.
type ServiceInstance struct {
	Name    string
	Profile *profiles.Profile
	Machine *config.Machine
	// RequiredBy names the service whose profile required this one; ""
	// for a declared service.
	RequiredBy string
	// State is the data it keeps, its paths then its engine:database
	// names; empty for a stateless service.
	State []string
}

// Services lists every service instance of every machine, required
// profiles included, in the order of the machines and of each machine's
// services — what the generated configurations run, for reports on where
// the data lives.
func Services(dep *config.Deployment, cat *profiles.Catalogue) ([]ServiceInstance, hcl.Diagnostics) {
	var out []ServiceInstance
	var diags hcl.Diagnostics
	for _, m := range dep.Machines {
		instances, d := instancesOn(dep, m, cat)
		diags = append(diags, d...)
		all, d := renderAll(dep, m, instances)
		diags = append(diags, d...)
		for _, r := range all {
			state := append([]string(nil), r.StatePaths...)
			if r.profile.State != nil {
				state = append(state, r.profile.State.Databases...)
			}
			out = append(out, ServiceInstance{Name: r.name, Profile: r.profile, Machine: m, RequiredBy: r.requiredBy, State: state})
		}
	}
	return out, diags
}
