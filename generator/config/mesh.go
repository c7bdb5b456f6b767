package config

import (
	"sort"

	"github.com/freecloud/freecloud/mesh"
	"github.com/hashicorp/hcl/v2"
)

// MeshCoordinator is the coordinator of services whose members get an
// address in the service's cidr parameter (profiles.Coordinators).
const MeshCoordinator = "mesh"

// allocateMeshes gives the members of every mesh service their address,
// keeping the ones state recorded (previous, by machine), and sets each
// service's MeshAddresses. It returns every machine's address, nil when
// the deployment has no mesh.
func allocateMeshes(dep *Deployment, previous map[string]string) (map[string]string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var all map[string]string
	for _, s := range dep.Services {
		if s.Profile.Cluster != MeshCoordinator {
			continue
		}
		if all == nil {
			all = map[string]string{}
		}
		names := make([]string, len(s.Members))
		for i, mem := range s.Members {
			names[i] = mem.Machine.Name
		}
		sort.Strings(names)
		cidr := s.Params["cidr"].AsString()
		addrs, err := mesh.Allocate(cidr, names, previous)
		if err != nil {
			rng := s.DeclRange
			if r, ok := s.Ranges["with"]; ok {
				rng = r
			}
			diags = append(diags, errorf(rng, "Cannot allocate mesh addresses", "Service %q: %s.", s.Name, err))
			continue
		}
		s.MeshAddresses = map[string]string{}
		for name, a := range addrs {
			s.MeshAddresses[name] = a.String()
			all[name] = a.String()
		}
	}
	return all, diags
}
