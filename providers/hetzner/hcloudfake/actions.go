package hcloudfake

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// An action is the API's record of an asynchronous operation. It runs for
// the fake's action duration, then succeeds and applies its effect, or
// fails (when a test arranged it) and applies its undo.
type action struct {
	schema.Action
	effect, undo func()
	fail         bool
}

func (f *Fake) actionRoutes() map[string]handler {
	return map[string]handler{
		"GET /actions":      f.listActions,
		"GET /actions/{id}": f.getAction,
	}
}

// ref names a resource an action works on.
func ref(typ string, id int64) schema.ActionResourceReference {
	return schema.ActionResourceReference{ID: id, Type: typ}
}

// start begins an action. effect (may be nil) runs when it succeeds, undo
// (may be nil) when it fails; both with f.mu held. The caller holds f.mu.
func (f *Fake) start(command string, effect, undo func(), resources ...schema.ActionResourceReference) *action {
	f.nextID++
	a := &action{
		Action: schema.Action{
			ID: f.nextID, Command: command, Status: "running",
			Started: time.Now().UTC(), Resources: resources,
		},
		effect: effect, undo: undo,
		fail: f.takeFault(command, true) != nil,
	}
	f.actions[a.ID] = a
	f.running[a.ID] = a
	if f.actionDuration <= 0 {
		f.finish(a)
		return a
	}
	f.timers = append(f.timers, time.AfterFunc(f.actionDuration, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.finish(a)
	}))
	return a
}

// finish ends a running action. The caller holds f.mu.
func (f *Fake) finish(a *action) {
	now := time.Now().UTC()
	a.Finished, a.Progress = &now, 100
	delete(f.running, a.ID)
	if a.fail {
		a.Status = "error"
		a.Error = &schema.ActionError{Code: "action_failed", Message: a.Command + " failed (injected by hcloudfake)"}
		if a.undo != nil {
			a.undo()
		}
		return
	}
	a.Status = "success"
	if a.effect != nil {
		a.effect()
	}
}

// busy reports whether a running action holds a resource: the API locks
// a server or volume while an action runs on it.
func (f *Fake) busy(typ string, id int64) bool {
	for _, a := range f.running {
		if slices.Contains(a.Resources, ref(typ, id)) {
			return true
		}
	}
	return false
}

// Busy reports whether an action still runs on an object of a kind
// ("servers", "volumes"…): whether the object is usable yet.
func (f *Fake) Busy(kind string, id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.busy(singular[kind], id)
}

// singular maps a kind (the API's collection) to its action resource type.
var singular = map[string]string{
	"servers": "server", "volumes": "volume", "firewalls": "firewall",
	"networks": "network", "primary_ips": "primary_ip", "ssh_keys": "ssh_key",
}

// listActions answers GET /actions, filtered by id and status; hcloud-go
// waits for actions with one such request per 25 of them.
func (f *Fake) listActions(r *http.Request) response {
	q := r.URL.Query()
	var out []schema.Action
	for _, a := range f.actions {
		if (len(q["id"]) == 0 || slices.Contains(q["id"], strconv.FormatInt(a.ID, 10))) &&
			(len(q["status"]) == 0 || slices.Contains(q["status"], a.Status)) {
			out = append(out, a.Action)
		}
	}
	slices.SortFunc(out, func(a, b schema.Action) int { return cmp.Compare(a.ID, b.ID) })
	return page(q, f.maxPerPage, "actions", out)
}

func (f *Fake) getAction(r *http.Request) response {
	id, _ := pathID(r)
	a := f.actions[id]
	if a == nil {
		return notFound("action").response()
	}
	return ok(map[string]any{"action": a.Action})
}

// actionList is the JSON of actions an endpoint started.
func actionList(as ...*action) []schema.Action {
	out := make([]schema.Action, 0, len(as))
	for _, a := range as {
		out = append(out, a.Action)
	}
	return out
}
