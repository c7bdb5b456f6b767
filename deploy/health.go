package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// healthPoll is how often checks that are not yet passing are repeated: a
// service may still be starting right after the switch.
const healthPoll = time.Second

// A finding is one check that does not pass. A final one will not get
// better by waiting (a failed unit, a degraded system); the others are
// retried until the health timeout.
type finding struct {
	text  string
	final bool
	unit  string // a unit whose log explains it
}

// health waits until the new generation runs, the system is running and
// every service check passes, over the connection made after the switch.
// On failure it records the failing units and their last log lines.
//
// ctx bounds the waiting; each round of probes is bounded by the step
// timeout instead, so that a round started just before the deadline
// reports what it found rather than a timeout.
func (d *deployer) health(ctx context.Context) error {
	for {
		probe, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.t.Step)
		findings, err := d.checkOnce(probe)
		cancel()
		if err != nil {
			return err
		}
		if len(findings) == 0 {
			return nil
		}
		final := false
		for _, f := range findings {
			final = final || f.final
		}
		if !final {
			select {
			case <-time.After(healthPoll):
				continue
			case <-ctx.Done():
			}
		}
		return d.unhealthy(context.WithoutCancel(ctx), findings, final)
	}
}

func (d *deployer) checkOnce(ctx context.Context) ([]finding, error) {
	var findings []finding
	running, err := d.output(ctx, "readlink -f "+q(d.p.current()))
	if err != nil {
		return nil, err
	}
	if running != d.built {
		findings = append(findings, finding{text: fmt.Sprintf("the host runs %s, not the new generation %s", running, d.built)})
	}

	state, err := d.output(ctx, "systemctl is-system-running || true")
	if err != nil {
		return nil, err
	}
	switch state {
	case "running":
	case "starting", "initializing":
		findings = append(findings, finding{text: "the system is still " + state})
	case "degraded":
		units, err := d.failedUnits(ctx)
		if err != nil {
			return nil, err
		}
		findings = append(findings, finding{text: "the system is degraded; failed units: " + strings.Join(units, ", "), final: true})
		for _, u := range units {
			findings = append(findings, finding{unit: u, final: true})
		}
	default:
		findings = append(findings, finding{text: "the system is " + state, final: true})
	}

	for _, c := range d.opts.Checks {
		if c.Unit != "" {
			f, err := d.checkUnit(ctx, c)
			if err != nil {
				return nil, err
			}
			if f != nil {
				findings = append(findings, *f)
			}
		}
		if c.URL != "" {
			code, err := d.output(ctx, "curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "+q(c.URL)+" 2>/dev/null || true")
			if err != nil {
				return nil, err
			}
			if n, _ := strconv.Atoi(code); n < 200 || n >= 400 {
				findings = append(findings, finding{text: fmt.Sprintf("service %s: %s answered %s, want 2xx or 3xx", c.Service, c.URL, httpStatus(code))})
			}
		}
	}
	return findings, nil
}

func (d *deployer) checkUnit(ctx context.Context, c Check) (*finding, error) {
	state, err := d.output(ctx, "systemctl is-active "+q(c.Unit)+" || true")
	if err != nil {
		return nil, err
	}
	switch state {
	case "active":
		return nil, nil
	case "failed":
		return &finding{text: fmt.Sprintf("service %s: unit %s failed", c.Service, c.Unit), unit: c.Unit, final: true}, nil
	default:
		return &finding{text: fmt.Sprintf("service %s: unit %s is %s", c.Service, c.Unit, state), unit: c.Unit}, nil
	}
}

func (d *deployer) failedUnits(ctx context.Context) ([]string, error) {
	r, err := d.fresh.Run(ctx, StepHealth, "systemctl --failed --no-legend --plain || true")
	if err != nil {
		return nil, err
	}
	var units []string
	for _, line := range strings.Split(string(r.Stdout), "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			units = append(units, fields[0])
		}
	}
	return units, nil
}

// unhealthy collects the logs of the units involved and describes what
// failed.
func (d *deployer) unhealthy(ctx context.Context, findings []finding, final bool) error {
	ctx, cancel := context.WithTimeout(ctx, d.t.Step)
	defer cancel()
	var texts []string
	seen := map[string]bool{}
	for _, f := range findings {
		if f.text != "" {
			texts = append(texts, f.text)
		}
		if f.unit == "" || seen[f.unit] {
			continue
		}
		seen[f.unit] = true
		r, _ := d.fresh.Run(ctx, StepHealth, "journalctl -u "+q(f.unit)+" -n 20 --no-pager || true")
		d.units = append(d.units, UnitFailure{Unit: f.unit, Log: strings.TrimSpace(string(r.Stdout))})
	}
	if !final {
		return fmt.Errorf("%w after %s: %s", ErrUnhealthy, d.t.Health, strings.Join(texts, "; "))
	}
	return fmt.Errorf("%w: %s", ErrUnhealthy, strings.Join(texts, "; "))
}

// output runs a probe on the confirming connection and returns its
// trimmed stdout.
func (d *deployer) output(ctx context.Context, cmd string) (string, error) {
	r, err := d.fresh.Run(ctx, StepHealth, cmd)
	return strings.TrimSpace(string(r.Stdout)), err
}

func httpStatus(code string) string {
	if code == "" || code == "000" {
		return "nothing (no connection)"
	}
	return code
}
