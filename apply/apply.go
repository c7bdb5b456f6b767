// Package apply carries out a plan: every change in dependency order, as
// many at once as allowed, each recorded in state as soon as it completes,
// so that an interrupted or failed run leaves a consistent state and the
// next run converges.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

// An Event reports progress on one change.
type Event struct {
	Change  *plan.Change
	Phase   Phase
	Err     error
	Elapsed time.Duration
}

// Phase is where a change is.
type Phase string

const (
	Started Phase = "started"
	Done    Phase = "done"
	Failed  Phase = "failed"
	Skipped Phase = "skipped" // a change it depends on failed, or the run was interrupted
)

// ErrInterrupted is returned when the context was cancelled: the changes
// under way were finished and recorded, no new one was started.
var ErrInterrupted = errors.New("interrupted: the changes under way were finished and recorded, the others not started")

// Engine applies plans for one deployment.
type Engine struct {
	Deployment string
	// Providers by address (provider.hetzner.eu).
	Providers map[string]providers.Provider
	Store     *state.File
	State     *state.State
	// Parallelism bounds how many changes run at once (default 10).
	Parallelism int
	// Progress, when set, is called for every event, from one goroutine
	// at a time.
	Progress func(Event)

	mu  sync.Mutex
	ids map[string]string // provider address + " " + resource address → ID
}

// Refresh records in state what the providers have: resources found are
// adopted (a create whose answer was lost in a crash is not made twice),
// resources gone are forgotten. It writes state once.
func (e *Engine) Refresh(actual map[string][]*providers.Resource) error {
	known := map[string]bool{}
	for prov, rs := range actual {
		for _, r := range rs {
			e.State.SetResource(stateResource(prov, r))
			known[prov+" "+r.Address()] = true
		}
	}
	var gone []*state.Resource
	for _, r := range e.State.Resources {
		if _, listed := actual[r.Provider]; listed && !known[r.Provider+" "+r.Address()] {
			gone = append(gone, r)
		}
	}
	for _, r := range gone {
		e.State.RemoveAt(r.Provider, r.Address())
	}
	return e.Store.Write(e.State)
}

// Apply carries out the plan. It returns an error naming every change
// that failed; state holds everything that succeeded.
func (e *Engine) Apply(ctx context.Context, p *plan.Plan) error {
	e.ids = map[string]string{}
	for _, r := range e.State.Resources {
		e.ids[r.Provider+" "+r.Address()] = r.ID
	}
	rank := map[string]map[string]int{}
	for addr, prov := range e.Providers {
		rank[addr] = map[string]int{}
		for i, k := range prov.Kinds() {
			rank[addr][k.Kind] = i
		}
	}
	nodes := graph(p.Changes, rank)
	parallelism := e.Parallelism
	if parallelism < 1 {
		parallelism = 10
	}

	type result struct {
		n   *node
		err error
	}
	results := make(chan result)
	running := 0
	var failures []string
	interrupted := false
	for {
		if ctx.Err() != nil {
			interrupted = true
		}
		// Start what is ready, up to the bound.
		for _, n := range nodes {
			if running >= parallelism || interrupted {
				break
			}
			if n.state != nodeWaiting {
				continue
			}
			switch n.readiness() {
			case blocked:
				n.state = nodeSkipped
				e.emit(Event{Change: n.change, Phase: Skipped, Err: fmt.Errorf("a change it depends on failed")})
				continue
			case notYet:
				continue
			}
			n.state = nodeRunning
			running++
			e.emit(Event{Change: n.change, Phase: Started})
			go func(n *node) {
				// A started change is finished even on interrupt: a
				// half-made resource is worse than a finished one.
				results <- result{n, e.run(context.WithoutCancel(ctx), n.change)}
			}(n)
		}
		if running == 0 {
			break
		}
		var r result
		select {
		case r = <-results:
		case <-ctx.Done():
			interrupted = true
			r = <-results
		}
		running--
		elapsed := time.Since(r.n.started)
		if r.err != nil {
			r.n.state = nodeFailed
			failures = append(failures, fmt.Sprintf("%s (%s): %v", r.n.change.Address, r.n.change.Action, r.err))
			e.emit(Event{Change: r.n.change, Phase: Failed, Err: r.err, Elapsed: elapsed})
		} else {
			r.n.state = nodeDone
			e.emit(Event{Change: r.n.change, Phase: Done, Elapsed: elapsed})
		}
	}
	for _, n := range nodes {
		if n.state != nodeWaiting {
			continue
		}
		if interrupted {
			e.emit(Event{Change: n.change, Phase: Skipped, Err: ErrInterrupted})
			continue
		}
		// Nothing runs and nothing failed, yet it waits: its dependencies
		// form a cycle (e.g. two resources replaced that refer to each
		// other). Say so rather than hang.
		err := fmt.Errorf("its dependencies form a cycle; apply the changes in two steps")
		failures = append(failures, fmt.Sprintf("%s (%s): %v", n.change.Address, n.change.Action, err))
		e.emit(Event{Change: n.change, Phase: Failed, Err: err})
	}
	switch {
	case len(failures) > 0:
		sort.Strings(failures)
		return fmt.Errorf("%d change(s) failed:\n  %s", len(failures), strings.Join(failures, "\n  "))
	case interrupted:
		return ErrInterrupted
	}
	return nil
}

// run performs one change and records it in state.
func (e *Engine) run(ctx context.Context, c *plan.Change) error {
	prov, ok := e.Providers[c.Provider]
	if !ok {
		return fmt.Errorf("no provider %s is configured", c.Provider)
	}
	ids := func(address string) (string, bool) {
		e.mu.Lock()
		defer e.mu.Unlock()
		id, ok := e.ids[c.Provider+" "+address]
		return id, ok
	}
	switch c.Action {
	case plan.Delete:
		if err := prov.Delete(ctx, c.Before); err != nil {
			return err
		}
		return e.record(c.Provider, c.Before, nil)
	case plan.Replace:
		if err := prov.Delete(ctx, c.Before); err != nil {
			return err
		}
		if err := e.record(c.Provider, c.Before, nil); err != nil {
			return err
		}
		fallthrough
	case plan.Create:
		created, err := prov.Create(ctx, e.Deployment, c.After, ids)
		if err != nil {
			// Made, but a later step (waiting for it) failed: keep its ID
			// so the next run sees it in state as well as at the provider.
			if created != nil && created.ID != "" {
				if recErr := e.record(c.Provider, nil, created); recErr != nil {
					return errors.Join(err, recErr)
				}
			}
			return err
		}
		return e.record(c.Provider, nil, created)
	case plan.Update:
		updated, err := prov.Update(ctx, e.Deployment, c.Before, c.After, ids)
		if err != nil {
			return err
		}
		return e.record(c.Provider, nil, updated)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// record writes one completed step into state: removed, or set.
func (e *Engine) record(provider string, removed, set *providers.Resource) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if removed != nil {
		e.State.RemoveAt(provider, removed.Address())
		delete(e.ids, provider+" "+removed.Address())
	}
	if set != nil {
		e.State.SetResource(stateResource(provider, set))
		e.ids[provider+" "+set.Address()] = set.ID
	}
	return e.Store.Write(e.State)
}

func (e *Engine) emit(ev Event) {
	if e.Progress != nil {
		e.Progress(ev)
	}
}

func stateResource(provider string, r *providers.Resource) *state.Resource {
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		attrs[k] = v
	}
	return &state.Resource{Provider: provider, Kind: r.Kind, Name: r.Name, ID: r.ID, Attributes: attrs}
}
