package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/storage/zpool"
)

// poolSteps is the pool work of the zfs-pool services a plan lists: the
// pools state does not record as made, and the lost volumes to replace.
func (s *session) poolSteps(actual map[string][]*providers.Resource) []plan.ClusterStep {
	var steps []plan.ClusterStep
	for _, svc := range s.dep.Services {
		if svc.Profile.Cluster != generator.ZpoolCoordinator {
			continue
		}
		placement, _ := generator.ZpoolPlacement(s.dep, svc)
		disk := svc.Params["disk"].AsString()
		for _, mem := range svc.Members {
			m := mem.Machine
			if slices.Contains(mem.Roles, generator.ProviderRole) && s.recordedPool(m.Name, generator.ProviderPool(svc.Name)) == nil {
				at := "its raw disk " + disk
				if device := rawDevice(m, svc, actual); device != "" {
					at += " (" + device + ")"
				}
				steps = append(steps, plan.ClusterStep{Service: svc.Name, Machine: m.Name, Action: "create",
					Detail: fmt.Sprintf("pool %s on %s, if blank; one already there is imported", generator.ProviderPool(svc.Name), at)})
			}
		}
		for _, p := range placement.Pools {
			if s.recordedPool(p.Consumer, svc.Name) == nil {
				steps = append(steps, plan.ClusterStep{Service: svc.Name, Machine: p.Consumer, Action: "create",
					Detail: fmt.Sprintf("pool %s: RAIDZ3 over %d volumes of %d GB on %s, once all are attached and blank", svc.Name, len(p.Volumes), p.VolumeGB, providersOf(p.Volumes))})
				continue
			}
			if !sameVolumes(s.recordedVolumes(svc.Name, p.Consumer), p.Volumes) {
				detail := fmt.Sprintf("in pool %s, a new volume on %s replaces the one lost with %s (zpool replace: ZFS rebuilds its data)", svc.Name, providersOf(p.Replacements), providersOf(p.Lost))
				if len(p.Replacements) > 1 {
					detail = fmt.Sprintf("in pool %s, new volumes on %s replace those lost with %s (zpool replace: ZFS rebuilds their data)", svc.Name, providersOf(p.Replacements), providersOf(p.Lost))
				}
				steps = append(steps, plan.ClusterStep{Service: svc.Name, Machine: p.Consumer, Action: "replace", Detail: detail})
			}
		}
	}
	return steps
}

// applyPools brings up the pools of every zfs-pool service after the
// deploys: each provider's pool of volumes on its raw disk, then each
// consumer's RAIDZ3 pool over its eight volumes, replacing volumes lost
// with their provider. A pool is created once, on blank devices, and
// recorded; from then on its host imports it and apply leaves it alone,
// as plan shows no work for it: an apply does not connect to every
// machine of a pool for nothing. Work that waits for a
// device (a provider not up yet) is told and left for a later apply; a
// device that is not blank or a recorded pool that is gone fails apply
// once every other pool has had its turn.
func (s *session) applyPools(ctx context.Context, w io.Writer, actual map[string][]*providers.Resource) error {
	r := &poolRun{s: s, ctx: ctx, w: w, actual: actual, auth: sshx.DefaultAuth()}
	defer r.auth.Close()
	for _, svc := range s.dep.Services {
		if svc.Profile.Cluster != generator.ZpoolCoordinator {
			continue
		}
		placement, diags := generator.ZpoolPlacement(s.dep, svc)
		if diags.HasErrors() {
			return fmt.Errorf("service %s: %s", svc.Name, diags.Error())
		}
		for _, mem := range svc.Members {
			if slices.Contains(mem.Roles, generator.ProviderRole) {
				if err := r.providerPool(svc, mem.Machine); err != nil {
					return err
				}
			}
		}
		for _, p := range placement.Pools {
			if err := r.consumerPool(svc, p); err != nil {
				return err
			}
		}
	}
	if r.failed > 0 {
		return fmt.Errorf("%d pool step(s) failed; the other pools were brought up. Fix what is told above and run apply again", r.failed)
	}
	return nil
}

// A poolRun is apply's pool work: it tells each step on its service and
// host's line, and counts the steps that failed. Its methods return only
// the errors that stop apply (state cannot be written).
type poolRun struct {
	s      *session
	ctx    context.Context
	w      io.Writer
	actual map[string][]*providers.Resource
	auth   *sshx.Auth
	failed int
}

func (r *poolRun) tell(svc *config.Service, m *config.Machine, format string, args ...any) {
	fmt.Fprintf(r.w, "service.%s on host.%s: %s\n", svc.Name, m.Name, fmt.Sprintf(format, args...))
}

// outcome tells a step that did not go through: waiting is not a failure.
func (r *poolRun) outcome(svc *config.Service, m *config.Machine, err error) {
	if err == nil {
		return
	}
	what := err
	var pe *deploy.PoolError
	if errors.As(err, &pe) {
		what = errors.New(pe.Detail) // the line names the machine
	}
	if errors.Is(err, deploy.ErrPoolWaits) || errors.As(err, new(errNotDeployed)) {
		r.tell(svc, m, "%v; a later apply goes on", what)
		return
	}
	r.tell(svc, m, "%v", what)
	r.failed++
}

// providerPool brings up a provider's pool of volumes on its raw disk,
// unless state records it: the host imports it from then on.
func (r *poolRun) providerPool(svc *config.Service, m *config.Machine) error {
	name := generator.ProviderPool(svc.Name)
	recorded := r.s.recordedPool(m.Name, name)
	if recorded != nil {
		return nil
	}
	device := rawDevice(m, svc, r.actual)
	if device == "" {
		r.outcome(svc, m, fmt.Errorf("%w: the device of its raw disk is not known yet", deploy.ErrPoolWaits))
		return nil
	}
	did, err := withHost(r.ctx, r.s, r.auth, m, r.actual, func(conn *sshx.Conn) (string, error) {
		return deploy.EnsureProviderPool(r.ctx, conn, deployRoot(m.Name), deploy.ProviderPool{Name: name, Device: device})
	})
	if did == deploy.PoolCreated || did == deploy.PoolImported {
		r.tell(svc, m, "%s pool %s on %s", did, name, device)
	}
	if did != "" {
		if err := r.s.recordPool(&state.Pool{Service: svc.Name, Machine: m.Name, Name: name, Devices: []string{device}}); err != nil {
			return err
		}
	}
	r.outcome(svc, m, err)
	return nil
}

// consumerPool brings up a consumer's pool over its placed volumes, and
// records the placement once the pool is made of it. A pool state
// records as made of the placed volumes is left to its host, which
// imports it: as plan has it, there is nothing to do.
func (r *poolRun) consumerPool(svc *config.Service, p zpool.Pool) error {
	dep := r.s.dep
	m := dep.Machine(p.Consumer)
	recorded := r.s.recordedPool(m.Name, svc.Name)
	if recorded != nil && sameVolumes(r.s.recordedVolumes(svc.Name, p.Consumer), p.Volumes) {
		return nil
	}
	var devices, providers []string
	for _, v := range p.Volumes {
		portal := generator.Portal(dep.MeshAddress(dep.Machine(v.Provider)))
		devices = append(devices, generator.DevicePath(portal, generator.TargetIQN(svc.Name, v.Provider, v.Consumer)))
		providers = append(providers, v.Provider)
	}
	res, err := withHost(r.ctx, r.s, r.auth, m, r.actual, func(conn *sshx.Conn) (deploy.PoolResult, error) {
		return deploy.EnsurePool(r.ctx, conn, deployRoot(m.Name), deploy.ConsumerPool{Name: svc.Name, Devices: devices, Providers: providers, Recorded: recorded != nil})
	})
	switch res.Outcome {
	case deploy.PoolCreated:
		r.tell(svc, m, "created pool %s: RAIDZ3 over %d volumes on %s", svc.Name, len(devices), providersOf(p.Volumes))
	case deploy.PoolImported:
		r.tell(svc, m, "imported pool %s", svc.Name)
	}
	for _, replaced := range res.Replaced {
		r.tell(svc, m, "replacing %s; ZFS rebuilds its data", replaced)
	}
	if res.Outcome != "" && recorded == nil {
		if err := r.s.recordPool(&state.Pool{Service: svc.Name, Machine: m.Name, Name: svc.Name, Devices: devices}); err != nil {
			return err
		}
	}
	if res.Complete {
		if err := r.s.recordVolumes(svc.Name, p); err != nil {
			return err
		}
	}
	r.outcome(svc, m, err)
	return nil
}

// rawDevice is the device of the raw disk a provider lends to a zfs-pool
// service (its disk parameter); "" while not known.
func rawDevice(m *config.Machine, svc *config.Service, actual map[string][]*providers.Resource) string {
	if d := m.Disk(svc.Params["disk"].AsString()); d != nil {
		return diskDevice(m, *d, actual)
	}
	return ""
}

// withHost runs a pool step on a deployed machine over SSH.
func withHost[T any](ctx context.Context, s *session, auth *sshx.Auth, m *config.Machine, actual map[string][]*providers.Resource, step func(*sshx.Conn) (T, error)) (T, error) {
	var zero T
	conn, err := s.dialDeployed(ctx, auth, m, actual)
	if err != nil {
		return zero, err
	}
	defer conn.Close()
	return step(conn)
}

// recordedPool is the pool state records as made on a machine, or nil.
func (s *session) recordedPool(machine, name string) *state.Pool {
	if s.state == nil {
		return nil
	}
	return s.state.Pool(machine, name)
}

func (s *session) recordPool(p *state.Pool) error {
	s.state.Pools = append(s.state.Pools, p)
	slices.SortFunc(s.state.Pools, func(a, b *state.Pool) int {
		return strings.Compare(a.Machine+" "+a.Name, b.Machine+" "+b.Name)
	})
	return s.store.Write(s.state)
}

// recordedVolumes are a consumer's volumes as state records them.
func (s *session) recordedVolumes(service, consumer string) []*state.Volume {
	if s.state == nil {
		return nil
	}
	var out []*state.Volume
	for _, v := range s.state.Volumes {
		if v.Service == service && v.Consumer == consumer {
			out = append(out, v)
		}
	}
	return out
}

// recordVolumes records a consumer's volumes once its pool is made of
// them: from then on the placement keeps them where they are.
func (s *session) recordVolumes(service string, p zpool.Pool) error {
	if sameVolumes(s.recordedVolumes(service, p.Consumer), p.Volumes) {
		return nil
	}
	kept := slices.DeleteFunc(s.state.Volumes, func(v *state.Volume) bool {
		return v.Service == service && v.Consumer == p.Consumer
	})
	for _, v := range p.Volumes {
		kept = append(kept, &state.Volume{Service: service, Consumer: v.Consumer, Provider: v.Provider, SizeGB: v.SizeGB})
	}
	slices.SortFunc(kept, func(a, b *state.Volume) int {
		return strings.Compare(a.Service+" "+a.Consumer+" "+a.Provider, b.Service+" "+b.Consumer+" "+b.Provider)
	})
	s.state.Volumes = kept
	return s.store.Write(s.state)
}

// sameVolumes reports whether the recorded volumes are the placed ones.
func sameVolumes(recorded []*state.Volume, placed []zpool.Volume) bool {
	if len(recorded) != len(placed) {
		return false
	}
	have := map[string]int64{}
	for _, v := range recorded {
		have[v.Provider] = v.SizeGB
	}
	for _, v := range placed {
		if size, ok := have[v.Provider]; !ok || size != v.SizeGB {
			return false
		}
	}
	return true
}

// providersOf names the providers of volumes: "p1, p2 and p3".
func providersOf(volumes []zpool.Volume) string {
	names := make([]string, len(volumes))
	for i, v := range volumes {
		names[i] = v.Provider
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
