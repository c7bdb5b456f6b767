package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/state"
)

// DeployRootEnv relocates every host path a deploy touches, for the
// stand-in hosts of tests (tests/sshhost); it is left unset on real hosts.
const DeployRootEnv = "FREECLOUD_DEPLOY_ROOT"

// machines are the hosts plan may deploy, with their configuration hash.
// Only bare metal: cloud servers run their provider's image until install
// lands, so deploying to them would fail. None when there is no tree to
// deploy (destroy).
func (s *session) machines() ([]plan.Machine, error) {
	if s.tree == nil {
		return nil, nil
	}
	var out []plan.Machine
	for _, m := range s.dep.Machines {
		if m.Provider.Type != "baremetal" {
			continue
		}
		hash, err := deploy.ConfigHash(s.tree, m.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, plan.Machine{Name: m.Name, Hash: hash})
	}
	return out, nil
}

// deployHosts deploys the planned hosts once the infrastructure is in
// place, recording each host's key and deployed hash in state as soon as
// that host finishes, so that an interrupted apply loses nothing learned.
func (s *session) deployHosts(ctx context.Context, w io.Writer, deploys []*plan.Deploy, parallelism int, failFast bool) error {
	var jobs []deploy.Job
	for _, d := range deploys {
		m := s.dep.Machine(d.Machine)
		if m == nil {
			return fmt.Errorf("the plan deploys machine %q, which the deployment does not have", d.Machine)
		}
		// State decides, not the plan: it is the record of keys seen.
		policy := sshx.TrustOnFirstUse()
		if h := s.state.Host(m.Name); h != nil && h.SSHHostKey != "" {
			var err error
			if policy, err = sshx.Pinned(h.SSHHostKey); err != nil {
				return fmt.Errorf("state, host.%s: %w", m.Name, err)
			}
		}
		var checks []deploy.Check
		for _, c := range s.health[m.Name] {
			checks = append(checks, deploy.Check{Service: c.Service, Unit: c.Unit, URL: c.URL})
		}
		jobs = append(jobs, deploy.Job{
			Target:  sshx.Target{Machine: m.Name, Host: m.Address, Port: m.Port, User: m.User, HostKey: policy},
			Tree:    s.tree,
			Options: deploy.Options{Root: os.Getenv(DeployRootEnv), Checks: checks},
		})
	}
	auth := sshx.DefaultAuth()
	defer auth.Close()
	// DeployAll calls progress one event at a time, so recording into
	// s.state here needs no lock of its own.
	var recordErr error
	progress := func(ev deploy.Event) {
		printDeployEvent(w, ev)
		if ev.Outcome != nil {
			if err := s.record(*ev.Outcome); err != nil && recordErr == nil {
				recordErr = err
			}
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

// record keeps what a host's deploy taught: the host key trusted on first
// use (even when the deploy then failed: the key belongs to the machine
// reached), and the hash deployed.
func (s *session) record(o deploy.Outcome) error {
	if !(o.TOFU && o.HostKey != "") && o.Result == nil {
		return nil
	}
	h := s.state.Host(o.Machine)
	if h == nil {
		h = &state.Host{Machine: o.Machine}
		s.state.Hosts = append(s.state.Hosts, h)
		sort.Slice(s.state.Hosts, func(i, j int) bool { return s.state.Hosts[i].Machine < s.state.Hosts[j].Machine })
	}
	if o.TOFU && o.HostKey != "" {
		h.SSHHostKey = o.HostKey
	}
	if o.Result != nil {
		h.Deployed = o.Result.Hash
	}
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
	}
}

// deployFailure explains a failed deploy; a machine without NixOS is the
// one case the operator must handle by hand for now.
func deployFailure(machine string, err error) string {
	if errors.Is(err, deploy.ErrNotNixOS) {
		return fmt.Sprintf("%s does not run NixOS: installing it is not implemented yet; install NixOS and run apply again", machine)
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

// sameDeploys tells whether a saved plan deploys the same hashes onto the
// same hosts as a fresh one would.
func sameDeploys(a, b []*plan.Deploy) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if *a[i] != *b[i] {
			return false
		}
	}
	return true
}
