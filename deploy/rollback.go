package deploy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// rollbackScript returns the host to the generation previous. It pins
// that exact store path rather than running nixos-rebuild --rollback,
// which steps back one generation from wherever the profile is: one too
// far when the switch never created a new generation. It is idempotent
// (the timer may run it after freecloud already did), and it takes its
// tools from the previous generation: the new one may be what is broken.
const rollbackScript = `#!/bin/sh
# Written by freecloud before switching this host to a new generation.
# %s.timer runs it unless the deploy is confirmed; freecloud
# runs it itself when a check fails. It returns the host to the generation
# it ran before the switch.
set -eu
previous=%s
profile=%s
PATH="$previous/sw/bin:$PATH"
if [ "$(readlink -f "$profile")" = "$previous" ] && [ "$(readlink -f %s)" = "$previous" ]; then
	exit 0
fi
nix-env -p "$profile" --set "$previous"
exec "$previous/bin/switch-to-configuration" switch
`

// arm prepares the way back before anything changes: records the running
// generation, writes the rollback script and starts a timer that runs it
// unless the deploy confirms in time. An earlier deploy still waiting for
// its confirmation (a crashed run, or another operator deploying right
// now) is not overridden.
func (d *deployer) arm(ctx context.Context) error {
	r, err := d.conn.Run(ctx, StepArm, "systemctl is-active "+RollbackUnit+".timer || true")
	if err != nil {
		return err
	}
	if lastLine(r.Stdout) == "active" {
		return fmt.Errorf("%w (%s.timer is active): it rolls the host back by itself; deploy again after that, or run systemctl stop %s.timer on the host to keep the generation it runs",
			ErrPending, RollbackUnit, RollbackUnit)
	}
	if r, err = d.conn.Run(ctx, StepArm, "readlink -f "+q(d.p.profile())); err != nil {
		return err
	}
	previous := lastLine(r.Stdout)
	if !strings.HasPrefix(previous, "/") {
		return fmt.Errorf("no system profile at %s: nothing to roll back to", d.p.profile())
	}
	d.result.Previous = previous
	script := fmt.Sprintf(rollbackScript, RollbackUnit, q(previous), q(d.p.profile()), q(d.p.current()))
	if err := d.conn.WriteFile(ctx, StepArm, d.p.rollbackScript(), []byte(script), 0o700); err != nil {
		return err
	}
	after := d.t.RollbackAfter()
	timer := fmt.Sprintf("systemctl reset-failed %s.timer %s.service 2>/dev/null; systemd-run --unit=%s --description=%s --on-active=%ds --timer-property=AccuracySec=1s /bin/sh %s",
		RollbackUnit, RollbackUnit, RollbackUnit, q("freecloud: roll back an unconfirmed deploy"), int(math.Ceil(after.Seconds())), q(d.p.rollbackScript()))
	if _, err := d.conn.Run(ctx, StepArm, timer); err != nil {
		return err
	}
	d.armed, d.rollbackAt = true, time.Now().Add(after)
	d.detail = fmt.Sprintf("back to %s in %s unless confirmed", previous, after)
	return nil
}

// fail turns a failed step into an *Error, rolling the host back when the
// step came after arming.
func (d *deployer) fail(ctx context.Context, step string, err error) error {
	e := &Error{Machine: d.machine, Step: step, Err: err, Units: d.units, Armed: d.armed, Previous: d.result.Previous}
	if !d.armed {
		return e
	}
	if e.RollbackErr = d.rollback(ctx); e.RollbackErr == nil {
		e.RolledBack = true
	} else {
		e.RollbackAt = d.rollbackAt
	}
	return e
}

// rollback runs the rollback script now, over the newest connection that
// still works, then stops the timer. It runs even when ctx was cancelled:
// an interrupted deploy must not leave the host on an unchecked
// generation.
func (d *deployer) rollback(ctx context.Context) error {
	d.emit(Event{Step: StepRollback, Status: Started, Detail: "to " + d.result.Previous})
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.t.Switch)
	defer cancel()
	var err error
	for _, c := range []*sshx.Conn{d.fresh, d.conn} {
		if c == nil {
			continue
		}
		if _, err = c.Run(ctx, StepRollback, "/bin/sh "+q(d.p.rollbackScript())); err == nil {
			// The timer would find nothing left to do; stop it anyway.
			c.Run(ctx, StepRollback, "systemctl stop "+RollbackUnit+".timer")
			d.armed = false
			d.emit(Event{Step: StepRollback, Status: Done, Detail: "to " + d.result.Previous})
			return nil
		}
		if !errors.Is(err, sshx.ErrConnectionLost) {
			break // the script ran and failed: do not run it twice
		}
	}
	d.emit(Event{Step: StepRollback, Status: Failed, Err: err})
	return err
}
