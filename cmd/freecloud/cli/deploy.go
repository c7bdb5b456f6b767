package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

// DeployRootEnv relocates every host path a deploy touches, for the
// stand-in hosts of tests (tests/sshhost); it is left unset on real hosts.
// It is one directory for every machine, or, for several stand-in hosts,
// machine=dir pairs separated by commas.
const DeployRootEnv = "FREECLOUD_DEPLOY_ROOT"

// deployRoot is the root of a machine's host paths: "" on real hosts.
func deployRoot(machine string) string {
	v := os.Getenv(DeployRootEnv)
	if !strings.Contains(v, "=") {
		return v
	}
	for _, pair := range strings.Split(v, ",") {
		if m, dir, _ := strings.Cut(pair, "="); m == machine {
			return dir
		}
	}
	return ""
}

// machines are the hosts plan may install or deploy, with their
// configuration hash and, when inspected, what they said over SSH. None
// when there is no tree to deploy (destroy).
func (s *session) machines(inspected map[string]inspection) ([]plan.Machine, error) {
	if s.tree == nil {
		return nil, nil
	}
	var out []plan.Machine
	for _, m := range s.dep.Machines {
		hash, err := deploy.ConfigHash(s.tree, m.Name)
		if err != nil {
			return nil, err
		}
		pm := plan.Machine{Name: m.Name, Hash: hash}
		if server := s.serverOf(m); server != "" {
			pm.Provider, pm.Server, pm.BootsNixOS = m.Provider.Address(), server, m.Provider.Kind.BootsNixOS
			_, pm.ReportsHostKeys = s.provs[m.Provider.Address()].(providers.HostKeyReporter)
		}
		if in, ok := inspected[m.Name]; ok {
			pm.Host, pm.Unreachable = in.host, in.unreachable
		}
		out = append(out, pm)
	}
	return out, nil
}

// hostOptions are the flags that say how apply installs and deploys.
type hostOptions struct {
	installer string
	// buildOn is parsed from buildOnFlag before anything is changed.
	buildOnFlag string
	buildOn     deploy.BuildOn
}

// deployHosts installs and deploys the planned hosts once the
// infrastructure is in place, recording each host's keys and deployed
// hash in state as soon as they are known, so that an interrupted apply
// loses nothing learnt.
func (s *session) deployHosts(ctx context.Context, w io.Writer, deploys []*plan.Deploy, actual map[string][]*providers.Resource, parallelism int, failFast bool, ho hostOptions) error {
	reported := s.awaitReportedKeys(ctx, w, deploys, actual)
	var jobs []deploy.Job
	for _, d := range deploys {
		m := s.dep.Machine(d.Machine)
		if m == nil {
			return fmt.Errorf("the plan deploys machine %q, which the deployment does not have", d.Machine)
		}
		addr := s.address(m, actual)
		if addr == "" {
			return fmt.Errorf("machine %s (%s:%d): its server has no public IPv4 address to deploy to; set the machine's address = \"...\" to reach it another way (a DNS name, a VPN address)", m.Name, m.DeclRange.Filename, m.DeclRange.Start.Line)
		}
		policy, err := s.deployPolicy(d, reported[d.Machine])
		if err != nil {
			return err
		}
		var checks []deploy.Check
		for _, c := range s.health[m.Name] {
			checks = append(checks, deploy.Check{Service: c.Service, Unit: c.Unit, URL: c.URL})
		}
		t, err := s.target(m, addr, policy)
		if err != nil {
			return err
		}
		job := deploy.Job{
			Target:  t,
			Tree:    s.tree,
			Options: deploy.Options{Root: deployRoot(m.Name), Checks: checks, BuildOn: ho.buildOn, Disks: dataDisks(m, actual)},
		}
		if d.Install {
			job.Install = &deploy.InstallOptions{Installer: ho.installer}
		}
		jobs = append(jobs, job)
	}
	auth := sshx.DefaultAuth()
	defer auth.Close()
	// DeployAll calls progress one event at a time, so recording into
	// s.state here needs no lock of its own.
	var recordErr error
	progress := func(ev deploy.Event) {
		printDeployEvent(w, ev)
		var err error
		switch {
		case ev.Outcome != nil:
			err = s.record(*ev.Outcome)
		case ev.Step == deploy.StepHostKey && ev.Status == deploy.Done:
			err = s.recordNextKey(ev.Machine, ev.Detail)
		}
		if err != nil && recordErr == nil {
			recordErr = err
		}
	}
	fmt.Fprintln(w)
	sum := deploy.DeployAll(ctx, auth, jobs, parallelism, failFast, progress)
	printDeploySummary(w, sum)
	if recordErr != nil {
		return fmt.Errorf("recording a deploy in state: %w", recordErr)
	}
	if err := sum.Err(); err != nil {
		if len(auth.Notes) > 0 {
			fmt.Fprintln(w, "\nSSH authentication notes:")
			for _, n := range auth.Notes {
				fmt.Fprintf(w, "  %s\n", n)
			}
		}
		return err
	}
	return nil
}

// dataDisks are the machine's data disks the deploy formats when blank,
// with the devices they are attached as. A raw disk is not one of them:
// it belongs to a service (a pool's provider), and a volume the provider
// reports no device for is left out: nothing is formatted unasked.
func dataDisks(m *config.Machine, actual map[string][]*providers.Resource) []deploy.DataDisk {
	var out []deploy.DataDisk
	for _, d := range m.Disks {
		if device := diskDevice(m, d, actual); device != "" && d.Format != config.DiskRaw {
			out = append(out, deploy.DataDisk{Label: d.Name, Device: device, Mount: d.Mount})
		}
	}
	return out
}

// diskDevice is the device a machine's disk is attached as: the one the
// operator names on bare metal, the one the provider reports for a cloud
// volume (<machine>-<disk>); "" when neither is known.
func diskDevice(m *config.Machine, d config.Disk, actual map[string][]*providers.Resource) string {
	device := d.Device
	for _, r := range actual[m.Provider.Address()] {
		if r.Kind == "volume" && r.Name == m.Name+"-"+d.Name {
			device = r.Outputs["device"]
		}
	}
	return device
}

// deployPolicy is the host key a planned host must present. State
// decides, not the plan, for a host it knows: it is the record of keys
// seen. A first contact pins the key the plan showed the operator, else
// the keys its provider reported, and is trusted on first use when
// neither is known (a new server at a provider that tells no keys).
func (s *session) deployPolicy(d *plan.Deploy, reported []string) (sshx.HostKeyPolicy, error) {
	if !d.FirstContact {
		if p, known, err := s.knownKeys(d.Machine); known || err != nil {
			return p, err
		}
	}
	keys, from := []string{d.HostKey}, "the plan"
	if d.HostKey == "" {
		keys, from = reported, "its provider's console"
	}
	if len(keys) == 0 {
		return sshx.TrustOnFirstUse(), nil
	}
	p, err := sshx.Pinned(keys...)
	if err != nil {
		return p, fmt.Errorf("the host keys %s has for %s: %w", from, d.Machine, err)
	}
	return p.From(from), nil
}

// How long apply waits for a new server to report its host keys (EC2
// shows the console a minute or two after boot), and how often it looks.
var (
	reportedKeysTimeout = 5 * time.Minute
	reportedKeysPoll    = 2 * time.Second
)

// awaitReportedKeys reads the host keys of the first contacts whose
// provider reports them, all machines at once, each for a bounded time.
// A machine that has not printed its keys by then is trusted on first
// use, and the output says so.
func (s *session) awaitReportedKeys(ctx context.Context, w io.Writer, deploys []*plan.Deploy, actual map[string][]*providers.Resource) map[string][]string {
	out := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, d := range deploys {
		m := s.dep.Machine(d.Machine)
		if m == nil || !d.FirstContact || d.HostKey != "" || !d.HostKeyFromProvider {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys, err := s.pollReportedKeys(ctx, m, actual)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				fmt.Fprintf(w, "host.%s: cannot read the host keys its provider reports (%v); its key will be trusted on first use\n", m.Name, err)
			case len(keys) == 0:
				fmt.Fprintf(w, "host.%s: it reported no host keys within %s; its key will be trusted on first use\n", m.Name, reportedKeysTimeout)
			default:
				fmt.Fprintf(w, "host.%s: its provider reports host key %s; pinned\n", m.Name, sshx.Fingerprint(keys[0]))
				out[m.Name] = keys
			}
		}()
	}
	wg.Wait()
	return out
}

func (s *session) pollReportedKeys(ctx context.Context, m *config.Machine, actual map[string][]*providers.Resource) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, reportedKeysTimeout)
	defer cancel()
	for {
		keys, err := s.reportedKeys(ctx, m, actual)
		if err != nil || len(keys) > 0 {
			return keys, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(reportedKeysPoll):
		}
	}
}

// host returns a machine's host record in state, adding it when new.
func (s *session) host(machine string) *state.Host {
	h := s.state.Host(machine)
	if h == nil {
		h = &state.Host{Machine: machine}
		s.state.Hosts = append(s.state.Hosts, h)
		sort.Slice(s.state.Hosts, func(i, j int) bool { return s.state.Hosts[i].Machine < s.state.Hosts[j].Machine })
	}
	return h
}

// record keeps what a host's deploy taught: the key it presented when
// state pinned none (even when the deploy then failed: the key belongs to
// the machine reached), the key an install generated once it is in use,
// and the hash deployed.
func (s *session) record(o deploy.Outcome) error {
	h := s.host(o.Machine)
	before := *h
	if o.HostKey != "" && (o.TOFU || h.SSHHostKey == "" || o.HostKey == h.NextSSHHostKey) {
		h.SSHHostKey = o.HostKey
	}
	if o.Installed && o.NewHostKey != "" {
		h.SSHHostKey = o.NewHostKey
	}
	if h.NextSSHHostKey == h.SSHHostKey {
		h.NextSSHHostKey = ""
	}
	if o.JumpHostKey != "" && (o.JumpTOFU || h.JumpHostKey == "") {
		h.JumpHostKey = o.JumpHostKey
	}
	if o.Result != nil {
		h.Deployed = o.Result.Hash
	}
	if h.SSHHostKey == before.SSHHostKey && h.NextSSHHostKey == before.NextSSHHostKey && h.JumpHostKey == before.JumpHostKey && h.Deployed == before.Deployed {
		return nil
	}
	return s.store.Write(s.state)
}

// recordNextKey keeps the host key an install generated as soon as it is
// read back, before the machine reboots to present it: an apply
// interrupted from then on still knows the key.
func (s *session) recordNextKey(machine, key string) error {
	h := s.host(machine)
	h.NextSSHHostKey = key
	return s.store.Write(s.state)
}

// printDeployEvent prints a line as each step of a host starts, and how
// the host's deploy ended; a failing step is told once, at the end.
func printDeployEvent(w io.Writer, ev deploy.Event) {
	name := "host." + ev.Machine
	switch {
	case ev.Step == deploy.StepDeploy && ev.Status == deploy.Done:
		fmt.Fprintf(w, "%s: deployed (%s)\n", name, ev.Outcome.Elapsed.Round(time.Second))
	case ev.Step == deploy.StepDeploy && ev.Status == deploy.Failed:
		fmt.Fprintf(w, "%s: deploy FAILED: %s\n", name, deployFailure(ev.Machine, ev.Err))
	case ev.Step == deploy.StepDeploy && ev.Status == deploy.Skipped:
		fmt.Fprintf(w, "%s: not deployed: another host failed (--fail-fast) or apply was interrupted\n", name)
	case ev.Status == deploy.Started:
		fmt.Fprintf(w, "%s: %s…\n", name, ev.Step)
	case ev.Status == deploy.Note:
		fmt.Fprintf(w, "%s: %s\n", name, ev.Detail)
	case ev.Step == deploy.StepHostKey && ev.Status == deploy.Done:
		fmt.Fprintf(w, "%s: generated its host key %s on the machine; pinned in state\n", name, sshx.Fingerprint(ev.Detail))
	}
}

// deployFailure explains a failed deploy.
func deployFailure(machine string, err error) string {
	if errors.Is(err, deploy.ErrNotNixOS) {
		return fmt.Sprintf("%s does not run NixOS, though it did when the plan was made; run plan again: it plans an install", machine)
	}
	return err.Error()
}

func printDeploySummary(w io.Writer, sum deploy.Summary) {
	fmt.Fprintln(w, "\nDeploys:")
	width := 0
	for _, o := range sum.Outcomes {
		width = max(width, len(o.Machine))
	}
	for _, o := range sum.Outcomes {
		status := "deployed"
		var de *deploy.Error
		switch {
		case o.Skipped:
			status = "not started"
		case errors.As(o.Err, &de):
			status = "FAILED at " + de.Step
			if de.RolledBack {
				status += ", rolled back"
			}
		case o.Err != nil:
			status = "FAILED"
		}
		fmt.Fprintf(w, "  host.%-*s  %-28s %s\n", width, o.Machine, status, o.Elapsed.Round(time.Second))
	}
}

// sameDeploys tells whether a saved plan installs and deploys the same
// hashes onto the same hosts, with the same host keys, as a fresh one
// would. Why a host is deployed may be told differently (the reason, a
// host unreachable then or now): that changes nothing apply does.
func sameDeploys(a, b []*plan.Deploy) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Machine != y.Machine || x.Hash != y.Hash || x.Install != y.Install || x.Erases != y.Erases || x.FirstContact != y.FirstContact || x.HostKey != y.HostKey {
			return false
		}
	}
	return true
}
