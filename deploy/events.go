package deploy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// The steps of a deploy, as events and errors name them.
const (
	StepConnect = "connect"
	StepDetect  = "detect"
	StepUpload  = "upload"
	StepBuild   = "build"
	// StepBuildLocal and StepCopy replace StepBuild with BuildOnLocal.
	StepBuildLocal = "build-local"
	StepCopy       = "copy"
	StepArm        = "arm-rollback"
	StepSwitch     = "switch"
	StepReconnect  = "reconnect"
	StepHealth     = "health"
	StepConfirm    = "confirm"
	StepRecord     = "record"
	StepRollback   = "rollback"
	// StepDeploy is a host's whole deploy, in DeployAll's events.
	StepDeploy = "deploy"
)

// A Status is where a step is.
type Status int

const (
	Started Status = iota
	Done
	Failed
	// Skipped: DeployAll did not start this host's deploy (fail-fast, or
	// the context ended).
	Skipped
	// Note: something worth showing happened within a running step.
	Note
)

func (s Status) String() string {
	return [...]string{"started", "done", "failed", "skipped", "note"}[s]
}

// An Event is progress of one host's deploy.
type Event struct {
	Machine string
	Step    string
	Status  Status
	Err     error
	Detail  string
	// Outcome is set on the StepDeploy event that ends a host's deploy in
	// DeployAll, so that the caller records it (host key, deployed hash)
	// as each host finishes rather than after the slowest one.
	Outcome *Outcome
}

// A UnitFailure is a systemd unit that failed after a switch.
type UnitFailure struct {
	Unit string
	// Log is the unit's last journal lines.
	Log string
}

// An Error is a failed deploy: the step, what went wrong, the failing
// units with their logs, and whether the host was rolled back.
type Error struct {
	Machine string
	Step    string
	Err     error
	Units   []UnitFailure
	// Armed: the switch had been prepared, so a rollback was due.
	Armed bool
	// RolledBack: freecloud switched the host back to Previous.
	RolledBack bool
	Previous   string
	// RollbackErr is why freecloud could not roll back; the host's timer
	// then does it by RollbackAt.
	RollbackErr error
	RollbackAt  time.Time
}

func (e *Error) Error() string {
	var b strings.Builder
	detail := e.Err.Error()
	var se *sshx.Error
	if errors.As(e.Err, &se) && se.Machine == e.Machine && se.Step == e.Step {
		detail = se.Detail()
		var h interface{ Hint() string }
		if errors.As(e.Err, &h) {
			detail += "\n  " + h.Hint()
		}
	}
	fmt.Fprintf(&b, "%s: %s: %s", e.Machine, e.Step, detail)
	for _, u := range e.Units {
		fmt.Fprintf(&b, "\n  unit %s failed", u.Unit)
		if u.Log != "" {
			b.WriteString("; its last log lines:")
			for _, line := range strings.Split(u.Log, "\n") {
				b.WriteString("\n    " + line)
			}
		}
	}
	switch {
	case e.RolledBack:
		fmt.Fprintf(&b, "\n  rolled back to the previous generation %s", e.Previous)
	case e.Armed:
		fmt.Fprintf(&b, "\n  could not roll back (%v); the host switches back to %s by itself at %s (rollback timer)",
			bare(e.RollbackErr), e.Previous, e.RollbackAt.Format("15:04:05"))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// bare leaves out the machine an *sshx.Error names, for messages that
// name it already.
func bare(err error) error {
	var se *sshx.Error
	if errors.As(err, &se) {
		return detailOnly{se}
	}
	return err
}

type detailOnly struct{ err *sshx.Error }

func (d detailOnly) Error() string { return d.err.Step + ": " + d.err.Detail() }
func (d detailOnly) Unwrap() error { return d.err }
