package hcloudfake

import (
	"strings"
	"time"
)

// A fault is trouble a test arranged for the next requests of a route, or
// for the next actions of a command.
type fault struct {
	route   string // "POST /servers", or an action's command
	left    int
	status  int  // answer with this status and its documented error
	hang    bool // hold the request until the client gives up
	lose    bool // do the work, then drop the connection unanswered
	command bool // the fault is for actions, not requests
}

// FailNext answers the next n requests of a route, e.g. "GET /servers",
// with status and its documented error (429 rate_limit_exceeded with
// RateLimit headers, 503 service_error, 409 conflict…) without doing
// anything.
func (f *Fake) FailNext(route string, n, status int) {
	f.addFault(&fault{route: route, left: n, status: status})
}

// HangNext holds the next n requests of a route until the client gives up.
func (f *Fake) HangNext(route string, n int) {
	f.addFault(&fault{route: route, left: n, hang: true})
}

// LoseNext does the next n requests of a route and then drops the
// connection, as when a client crashes or the network fails after the
// API created something: the client sees an error, the object exists.
func (f *Fake) LoseNext(route string, n int) {
	f.addFault(&fault{route: route, left: n, lose: true})
}

// FailActions makes the next n actions of a command (create_server,
// change_type, resize_volume…) end in status error, their effect undone.
func (f *Fake) FailActions(command string, n int) {
	f.addFault(&fault{route: command, left: n, command: true})
}

func (f *Fake) addFault(flt *fault) {
	if !flt.command && !f.routes[flt.route] {
		f.t.Fatalf("hcloudfake: no route %q; routes are %s", flt.route, strings.Join(f.Routes(), ", "))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, flt)
}

// takeFault spends one fault arranged for a route or command, if any.
// The caller holds f.mu.
func (f *Fake) takeFault(route string, command bool) *fault {
	for i, flt := range f.faults {
		if flt.route == route && flt.command == command {
			if flt.left--; flt.left <= 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
			return flt
		}
	}
	return nil
}

// SetLatency delays every request from now on by d.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetActionDuration makes actions started from now on run for d.
func (f *Fake) SetActionDuration(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actionDuration = d
}

// SetMaxPerPage caps per_page from now on.
func (f *Fake) SetMaxPerPage(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxPerPage = n
}
