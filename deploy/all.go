package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// A Job is one host to deploy.
type Job struct {
	// Target says how to reach the host; Target.Machine is the machine.
	Target sshx.Target
	// Tree is the generated flake.
	Tree map[string][]byte
	// Options of this host's deploy; DeployAll sets Progress.
	Options Options
	// Install, when set, installs NixOS first if the host does not run it
	// (the plan agreed to erase it); InstallOptions.Options is Options.
	// Without it, a host that does not run NixOS fails with ErrNotNixOS.
	Install *InstallOptions
}

// An Outcome is how one host's deploy ended.
type Outcome struct {
	Machine string
	// Result is set when the deploy succeeded.
	Result *Result
	// Installed: NixOS was installed; NewHostKey is the host key the
	// install generated, which the host presents from now on.
	Installed  bool
	NewHostKey string
	// HostKey is the key the host presented, whenever it was reached, and
	// TOFU says it was trusted on first use: the caller records it.
	// JumpHostKey and JumpTOFU are the same of the jump host, if any.
	HostKey, JumpHostKey string
	TOFU, JumpTOFU       bool
	// Err is why the deploy failed (an *Error), or nil.
	Err error
	// Skipped: never started, because of fail-fast or a cancelled context.
	Skipped bool
	Elapsed time.Duration
}

// A Summary is the outcome of every job, in the jobs' order.
type Summary struct {
	Outcomes []Outcome
}

// Err is nil when every host was deployed, and otherwise names the hosts
// that failed or were skipped; each outcome has the details.
func (s Summary) Err() error {
	var failed, skipped []string
	for _, o := range s.Outcomes {
		switch {
		case o.Skipped:
			skipped = append(skipped, o.Machine)
		case o.Err != nil:
			failed = append(failed, o.Machine)
		}
	}
	if len(failed)+len(skipped) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d of %d hosts deployed", len(s.Outcomes)-len(failed)-len(skipped), len(s.Outcomes))
	if len(failed) > 0 {
		msg += "; failed: " + strings.Join(failed, ", ")
	}
	if len(skipped) > 0 {
		msg += "; not started: " + strings.Join(skipped, ", ")
	}
	return errors.New(msg)
}

// DeployAll deploys the jobs, at most parallelism at once, in the jobs'
// order. One host failing does not stop the others; with failFast, no
// further deploy starts after a failure, while those running finish — a
// switch interrupted halfway helps nobody. progress receives every host's
// events, one at a time.
func DeployAll(ctx context.Context, auth *sshx.Auth, jobs []Job, parallelism int, failFast bool, progress func(Event)) Summary {
	if parallelism < 1 {
		parallelism = 1
	}
	var mu sync.Mutex
	emit := func(e Event) {
		if progress != nil {
			mu.Lock()
			defer mu.Unlock()
			progress(e)
		}
	}
	outcomes := make([]Outcome, len(jobs))
	var stopMu sync.Mutex
	stopped := false
	slots := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for i, job := range jobs {
		slots <- struct{}{}
		stopMu.Lock()
		stop := stopped || ctx.Err() != nil
		stopMu.Unlock()
		if stop {
			<-slots
			outcomes[i] = Outcome{Machine: job.Target.Machine, Skipped: true}
			emit(Event{Machine: job.Target.Machine, Step: StepDeploy, Status: Skipped})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			outcomes[i] = deployOne(ctx, auth, job, emit)
			if outcomes[i].Err != nil && failFast {
				stopMu.Lock()
				stopped = true
				stopMu.Unlock()
			}
		}()
	}
	wg.Wait()
	return Summary{Outcomes: outcomes}
}

func deployOne(ctx context.Context, auth *sshx.Auth, job Job, emit func(Event)) Outcome {
	start := time.Now()
	machine := job.Target.Machine
	o := Outcome{Machine: machine}
	finish := func() Outcome {
		o.Elapsed = time.Since(start)
		final := o
		if o.Err != nil {
			emit(Event{Machine: machine, Step: StepDeploy, Status: Failed, Err: o.Err, Outcome: &final})
		} else {
			emit(Event{Machine: machine, Step: StepDeploy, Status: Done, Outcome: &final})
		}
		return o
	}

	emit(Event{Machine: machine, Step: StepConnect, Status: Started})
	conn, err := sshx.Connect(ctx, job.Target, auth)
	if err != nil {
		emit(Event{Machine: machine, Step: StepConnect, Status: Failed, Err: err})
		o.Err = &Error{Machine: machine, Step: StepConnect, Err: err}
		return finish()
	}
	defer conn.Close()
	o.HostKey, o.TOFU = conn.HostKey(), conn.TrustedOnFirstUse()
	if j := conn.Jump(); j != nil {
		o.JumpHostKey, o.JumpTOFU = j.HostKey(), j.TrustedOnFirstUse()
		if o.JumpTOFU {
			emit(Event{Machine: machine, Step: StepConnect, Status: Note, Detail: "jump host key trusted on first use: " + o.JumpHostKey})
		}
	}
	if o.TOFU {
		emit(Event{Machine: machine, Step: StepConnect, Status: Note, Detail: "host key trusted on first use: " + o.HostKey})
	}
	emit(Event{Machine: machine, Step: StepConnect, Status: Done})

	opts := job.Options
	opts.Progress = emit
	if job.Install != nil {
		in := *job.Install
		in.Options = opts
		res, err := Install(ctx, conn, machine, job.Tree, in)
		switch {
		case err == nil:
			o.Result, o.Installed, o.NewHostKey = &res.Result, true, res.HostKey
			return finish()
		case !errors.Is(err, ErrNothingToInstall):
			o.Err = err
			return finish()
		}
		// It runs NixOS already (an install finished after the plan was
		// made): deploy to it.
		emit(Event{Machine: machine, Step: StepDetect, Status: Note, Detail: "it runs NixOS already: nothing to install, deploying"})
	}
	o.Result, o.Err = Deploy(ctx, conn, machine, job.Tree, opts)
	return finish()
}
