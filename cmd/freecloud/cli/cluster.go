package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
)

// convergeRounds bounds the collect-and-redeploy loop of apply. Two
// rounds converge a mesh (deploy, collect the keys, deploy the peers);
// the third is slack for a host whose fact appears late.
const convergeRounds = 3

// clusterSteps is the cluster work a plan lists for apply to do after
// the deploys: what state lacks of the services spanning machines.
func (s *session) clusterSteps(actual map[string][]*providers.Resource) []plan.ClusterStep {
	var steps []plan.ClusterStep
	for _, m := range s.dep.Machines {
		h := s.stateHost(m.Name)
		service := ""
		for _, f := range s.dep.FactsOf(m) {
			service = f.Service
			if h == nil || h.PublicKeys[f.Key()] == "" {
				steps = append(steps, plan.ClusterStep{Service: f.Service, Machine: m.Name, Action: "collect", Detail: f.Collect.Name + " (" + f.Path() + ")"})
			}
		}
		if addr := s.dep.MeshAddress(m); addr != "" && (h == nil || h.MeshAddress != addr) {
			steps = append(steps, plan.ClusterStep{Service: meshOf(s.dep, m), Machine: m.Name, Action: "record", Detail: "mesh address " + addr})
		}
		if service == "" || m.Address != "" {
			continue
		}
		if addr := s.address(m, actual); addr != "" && (h == nil || h.PublicAddress != addr) {
			steps = append(steps, plan.ClusterStep{Service: service, Machine: m.Name, Action: "record", Detail: "public address " + addr})
		}
	}
	for _, svc := range s.dep.Services {
		if svc.Profile.Cluster != generator.GarageCoordinator {
			continue
		}
		nodes, replication, _ := generator.GarageNodes(s.dep, svc)
		digest := generator.LayoutDigest(nodes, replication)
		if s.state != nil && s.state.Layouts[svc.Name] == digest {
			continue
		}
		withID := 0
		for _, n := range nodes {
			if n.ID != "" {
				withID++
			}
		}
		steps = append(steps, plan.ClusterStep{Service: svc.Name, Action: "layout",
			Detail: fmt.Sprintf("apply the Garage layout: %d of %d nodes known, %d copies of every object", withID, len(nodes), replication)})
	}
	return append(steps, s.poolSteps(actual)...)
}

// meshOf is the mesh service a machine is in.
func meshOf(dep *config.Deployment, m *config.Machine) string {
	for _, s := range dep.ServicesOn(m) {
		if s.MeshAddresses != nil {
			return s.Name
		}
	}
	return ""
}

// converge does the cluster work after the deploys: it records the
// addresses and collects the facts the hosts publish, then generates the
// flake again and deploys the hosts whose configuration that changed
// (their peers' keys, their addresses), until nothing changes. That is
// the two phases of a mesh: a host's key exists only once the host has
// been deployed, and its peers learn it on the next deploy.
func (s *session) converge(ctx context.Context, w io.Writer, actual map[string][]*providers.Resource, deployed []string, o *applyOptions) error {
	fresh := map[string]bool{}
	for _, m := range deployed {
		fresh[m] = true
	}
	for round := 1; ; round++ {
		changed, err := s.recordAddresses(actual)
		if err != nil {
			return err
		}
		collected, err := s.collectFacts(ctx, w, actual, fresh)
		if err != nil {
			return err
		}
		if !changed && !collected {
			return s.afterConverging(ctx, w, actual)
		}
		if round == convergeRounds {
			return fmt.Errorf("the hosts' facts still change after %d rounds of deploys; run apply again, and look at the units that publish them (%s)", round, "/var/lib/freecloud/facts")
		}
		b, ok := s.rebuild(w)
		if !ok {
			return exitError{}
		}
		s.dep, s.tree = b.dep, b.tree
		var redeploy []*plan.Deploy
		for _, m := range s.dep.Machines {
			hash, err := deploy.ConfigHash(s.tree, m.Name)
			if err != nil {
				return err
			}
			if h := s.stateHost(m.Name); h != nil && h.Deployed != "" && h.Deployed != hash {
				redeploy = append(redeploy, &plan.Deploy{Machine: m.Name, Hash: hash, Previous: h.Deployed})
			}
		}
		if len(redeploy) == 0 {
			return s.afterConverging(ctx, w, actual)
		}
		names := make([]string, len(redeploy))
		for i, d := range redeploy {
			names[i] = "host." + d.Machine
		}
		fmt.Fprintf(w, "\nThe hosts published new facts; deploying what changed with them: %v\n", names)
		if err := s.deployHosts(ctx, w, redeploy, actual, o.parallelism, o.failFast, o.hosts); err != nil {
			return err
		}
		fresh = map[string]bool{}
		for _, d := range redeploy {
			fresh[d.Machine] = true
		}
	}
}

// afterConverging is the storage work once the hosts run with every
// fact: the Garage layouts, then the ZFS pools. A layout that fails does
// not keep the pools from their turn.
func (s *session) afterConverging(ctx context.Context, w io.Writer, actual map[string][]*providers.Resource) error {
	return errors.Join(s.applyLayouts(ctx, w, actual), s.applyPools(ctx, w, actual))
}

// recordAddresses keeps in state the mesh addresses the deployment
// allocated and the public addresses of the machines whose services span
// machines; it tells whether anything changed.
func (s *session) recordAddresses(actual map[string][]*providers.Resource) (bool, error) {
	changed := false
	for _, m := range s.dep.Machines {
		mesh := s.dep.MeshAddress(m)
		public := ""
		if len(s.dep.FactsOf(m)) > 0 && m.Address == "" {
			public = s.address(m, actual)
		}
		h := s.stateHost(m.Name)
		if h == nil && mesh == "" && public == "" {
			continue
		}
		h = s.host(m.Name)
		if mesh != h.MeshAddress {
			h.MeshAddress, changed = mesh, true
		}
		if public != "" && public != h.PublicAddress {
			h.PublicAddress, changed = public, true
		}
	}
	if !changed {
		return false, nil
	}
	return true, s.store.Write(s.state)
}

// collectFacts reads the facts of the hosts that were just deployed and
// of those whose facts state lacks, over SSH with the pinned host keys,
// and records what changed. A fact a host has not published yet is told
// and left for a later apply.
func (s *session) collectFacts(ctx context.Context, w io.Writer, actual map[string][]*providers.Resource, fresh map[string]bool) (bool, error) {
	auth := sshx.DefaultAuth()
	defer auth.Close()
	changed := false
	for _, m := range s.dep.Machines {
		facts := s.dep.FactsOf(m)
		h := s.stateHost(m.Name)
		if len(facts) == 0 || h == nil || h.Deployed == "" {
			continue
		}
		var want []deploy.FactFile
		for _, f := range facts {
			if fresh[m.Name] || h.PublicKeys[f.Key()] == "" {
				want = append(want, deploy.FactFile{Key: f.Key(), Path: f.Path(), Valid: f.Collect.Pattern.MatchString})
			}
		}
		if len(want) == 0 {
			continue
		}
		got, err := s.readFacts(ctx, auth, m, actual, want)
		if err != nil {
			return changed, err
		}
		var missing []string
		for _, f := range want {
			v, ok := got[f.Key]
			if !ok {
				missing = append(missing, f.Key)
				continue
			}
			if h.PublicKeys[f.Key] != v {
				if h.PublicKeys == nil {
					h.PublicKeys = map[string]string{}
				}
				h.PublicKeys[f.Key] = v
				changed = true
				fmt.Fprintf(w, "host.%s: collected %s\n", m.Name, f.Key)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			fmt.Fprintf(w, "host.%s: has not published %v yet; its peers get it on a later apply\n", m.Name, missing)
		}
	}
	if !changed {
		return false, nil
	}
	return true, s.store.Write(s.state)
}

// readFacts connects to a machine with its pinned key and reads facts.
func (s *session) readFacts(ctx context.Context, auth *sshx.Auth, m *config.Machine, actual map[string][]*providers.Resource, facts []deploy.FactFile) (map[string]string, error) {
	conn, err := s.dialDeployed(ctx, auth, m, actual)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return deploy.ReadFacts(ctx, conn, deployRoot(m.Name), facts)
}

// applyLayouts brings the layout of every garage service to the declared
// one, on its first node that has joined, and records it in state.
func (s *session) applyLayouts(ctx context.Context, w io.Writer, actual map[string][]*providers.Resource) error {
	auth := sshx.DefaultAuth()
	defer auth.Close()
	for _, svc := range s.dep.Services {
		if svc.Profile.Cluster != generator.GarageCoordinator {
			continue
		}
		nodes, replication, diags := generator.GarageNodes(s.dep, svc)
		if diags.HasErrors() {
			return fmt.Errorf("service %s: %s", svc.Name, diags.Error())
		}
		digest := generator.LayoutDigest(nodes, replication)
		if s.state.Layouts[svc.Name] == digest {
			continue
		}
		var on *config.Machine
		for _, n := range nodes {
			if n.ID != "" {
				on = s.dep.Machine(n.Machine)
				break
			}
		}
		if on == nil {
			fmt.Fprintf(w, "service.%s: no node has published its id yet; the layout waits for a later apply\n", svc.Name)
			continue
		}
		conn, err := s.dialDeployed(ctx, auth, on, actual)
		if err != nil {
			return err
		}
		p, err := deploy.GarageLayout(ctx, conn, nodes, replication)
		conn.Close()
		if errors.Is(err, deploy.ErrLayoutWaits) {
			fmt.Fprintf(w, "service.%s: %v; nothing applied\n", svc.Name, err)
			continue
		}
		for _, line := range p.Describe() {
			fmt.Fprintf(w, "service.%s: %s\n", svc.Name, line)
		}
		if err != nil {
			return fmt.Errorf("service.%s: the Garage layout: %w", svc.Name, err)
		}
		if len(p.Waiting) > 0 {
			continue // not all nodes are in: the layout step stays planned
		}
		if s.state.Layouts == nil {
			s.state.Layouts = map[string]string{}
		}
		s.state.Layouts[svc.Name] = digest
		if err := s.store.Write(s.state); err != nil {
			return err
		}
	}
	return nil
}
