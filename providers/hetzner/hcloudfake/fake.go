// Package hcloudfake is an in-process fake of the Hetzner Cloud API, for
// tests: an httptest server on 127.0.0.1 speaking the documented wire
// format with the JSON types of hcloud-go's schema package, so the real
// client and everything built on it run against it unchanged.
//
// It keeps projects in memory and behaves like the API where a client can
// tell: bearer tokens, pagination (meta.pagination, per_page capped),
// label selectors and name filters, actions that run for a while, locks on
// busy servers, uniqueness of names and SSH key fingerprints, errors in the
// documented format and rate-limit headers. Tests count requests, look at
// what exists (Objects) and inject faults: failing statuses, hangs, lost
// responses, failing actions, latency.
package hcloudfake

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// DefaultToken is the API token a fake accepts unless Options say another.
const DefaultToken = "hcloudfake-token"

// Options configure a fake. The zero value is a fast, well-behaved API.
type Options struct {
	// Token is the bearer token clients must send; DefaultToken if empty.
	Token string
	// MaxPerPage caps per_page, as the API caps it at 50 (the default);
	// lower it to make lists span many pages.
	MaxPerPage int
	// ActionDuration is how long every action runs before it finishes;
	// zero finishes actions before the request that starts them returns.
	ActionDuration time.Duration
	// Latency delays every request.
	Latency time.Duration
	// RateLimit, when positive, refuses requests with 429 beyond a bucket
	// of that many, refilled by one a second as the API refills its 3600.
	// Zero sends the headers of a 3600 bucket and never refuses.
	RateLimit int
}

// A Fake is a running fake API. Its methods are safe for concurrent use.
type Fake struct {
	t      testing.TB
	srv    *httptest.Server
	token  string
	routes map[string]bool
	closed chan struct{}

	mu             sync.Mutex
	maxPerPage     int
	actionDuration time.Duration
	latency        time.Duration
	bucket         bucket
	faults         []*fault
	total          int
	requests       map[string]int

	nextID      int64
	locations   []*schema.Location
	serverTypes []*schema.ServerType
	images      []*schema.Image

	sshKeys    *table[schema.SSHKey]
	firewalls  *table[schema.Firewall]
	networks   *table[schema.Network]
	primaryIPs *table[schema.PrimaryIP]
	volumes    *table[schema.Volume]
	servers    *table[schema.Server]
	actions    map[int64]*action
	running    map[int64]*action
	timers     []*time.Timer
}

// New starts a fake on 127.0.0.1; it stops when the test ends.
func New(t testing.TB, opts Options) *Fake {
	f := &Fake{
		t:              t,
		token:          cmp.Or(opts.Token, DefaultToken),
		routes:         map[string]bool{},
		closed:         make(chan struct{}),
		maxPerPage:     cmp.Or(opts.MaxPerPage, 50),
		actionDuration: opts.ActionDuration,
		latency:        opts.Latency,
		bucket:         newBucket(opts.RateLimit, time.Now()),
		requests:       map[string]int{},
		actions:        map[int64]*action{},
		running:        map[int64]*action{},
		sshKeys: newTable("ssh_key", "ssh_keys", func(k *schema.SSHKey) (int64, *string, *map[string]string) {
			return k.ID, &k.Name, &k.Labels
		}),
		firewalls: newTable("firewall", "firewalls", func(fw *schema.Firewall) (int64, *string, *map[string]string) {
			return fw.ID, &fw.Name, &fw.Labels
		}),
		networks: newTable("network", "networks", func(n *schema.Network) (int64, *string, *map[string]string) {
			return n.ID, &n.Name, &n.Labels
		}),
		primaryIPs: newTable("primary_ip", "primary_ips", func(ip *schema.PrimaryIP) (int64, *string, *map[string]string) {
			return ip.ID, &ip.Name, &ip.Labels
		}),
		volumes: newTable("volume", "volumes", func(v *schema.Volume) (int64, *string, *map[string]string) {
			return v.ID, &v.Name, &v.Labels
		}),
		servers: newTable("server", "servers", func(s *schema.Server) (int64, *string, *map[string]string) {
			return s.ID, &s.Name, &s.Labels
		}),
	}
	f.seedCatalog()

	mux := http.NewServeMux()
	for _, routes := range []map[string]handler{
		f.catalogRoutes(), f.actionRoutes(), f.sshKeyRoutes(), f.firewallRoutes(),
		f.networkRoutes(), f.primaryIPRoutes(), f.volumeRoutes(), f.serverRoutes(),
	} {
		for route, h := range routes {
			method, path, _ := strings.Cut(route, " ")
			f.routes[route] = true
			mux.Handle(method+" /v1"+path, f.serve(route, h))
		}
	}
	mux.Handle("/", f.serve("unknown", func(r *http.Request) response {
		return notFound("route " + r.Method + " " + r.URL.Path).response()
	}))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// URL is the API endpoint, ending in /v1: what HCLOUD_ENDPOINT holds.
func (f *Fake) URL() string { return f.srv.URL + "/v1" }

// Token is the bearer token the fake accepts: what HCLOUD_TOKEN holds.
func (f *Fake) Token() string { return f.token }

// Close stops the fake, releasing requests it holds.
func (f *Fake) Close() {
	select {
	case <-f.closed:
		return
	default:
		close(f.closed)
	}
	f.srv.CloseClientConnections()
	f.srv.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.timers {
		t.Stop()
	}
}

// serve wraps a route's handler in what every request goes through:
// counting, latency, faults, the token, the rate limit, and one lock
// around the handler so state changes are atomic.
func (f *Fake) serve(route string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.total++
		f.requests[route]++
		flt := f.takeFault(route, false)
		latency := f.latency
		f.mu.Unlock()

		if !f.wait(r, latency) {
			return
		}
		if flt != nil && flt.hang {
			f.wait(r, math.MaxInt64)
			return
		}
		if flt != nil && flt.status != 0 {
			f.write(w, failure(flt.status).response())
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			f.write(w, (&apiError{http.StatusUnauthorized, "unauthorized", "unable to authenticate", nil}).response())
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))

		f.mu.Lock()
		var resp response
		if f.bucket.take(time.Now()) {
			resp = h(r)
		} else {
			resp = (&apiError{http.StatusTooManyRequests, "rate_limit_exceeded", "limit of requests per hour reached", nil}).response()
		}
		data, err := json.Marshal(resp.body)
		f.mu.Unlock()
		if err != nil {
			f.t.Errorf("hcloudfake: %s: %v", route, err)
		}
		if flt != nil && flt.lose {
			dropConnection(w)
			return
		}
		f.writeJSON(w, resp.status, data)
	})
}

// wait sleeps for d or until the client gives up or the fake closes; it
// reports whether the request should go on.
func (f *Fake) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-f.closed:
	}
	return false
}

func (f *Fake) write(w http.ResponseWriter, resp response) {
	f.mu.Lock()
	data, _ := json.Marshal(resp.body)
	f.mu.Unlock()
	f.writeJSON(w, resp.status, data)
}

func (f *Fake) writeJSON(w http.ResponseWriter, status int, data []byte) {
	f.mu.Lock()
	f.bucket.headers(w.Header(), time.Now(), status == http.StatusTooManyRequests)
	f.mu.Unlock()
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// dropConnection closes the connection without an answer, as when the
// network fails after the API did the work.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// Requests is how many requests the fake has answered (or refused).
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// RequestsTo is how many requests went to a route, e.g. "GET /servers"
// or "POST /servers/{id}/actions/change_type".
func (f *Fake) RequestsTo(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[route]
}

// RequestCounts is the number of requests per route.
func (f *Fake) RequestCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.requests)
}

// ResetRequests sets the request counters back to zero.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total = 0
	f.requests = map[string]int{}
}

// Routes lists the routes the fake answers, for FailNext and RequestsTo.
func (f *Fake) Routes() []string { return slices.Sorted(maps.Keys(f.routes)) }

// A bucket is the API's rate limit: a number of requests that refills by
// one a second up to its limit.
type bucket struct {
	limit   int
	enforce bool
	tokens  float64
	last    time.Time
}

func newBucket(limit int, now time.Time) bucket {
	if limit <= 0 {
		return bucket{limit: 3600, tokens: 3600, last: now}
	}
	return bucket{limit: limit, enforce: true, tokens: float64(limit), last: now}
}

func (b *bucket) refill(now time.Time) {
	b.tokens = min(float64(b.limit), b.tokens+now.Sub(b.last).Seconds())
	b.last = now
}

// take spends a request; false if there is none left.
func (b *bucket) take(now time.Time) bool {
	b.refill(now)
	if b.tokens < 1 {
		if b.enforce {
			return false
		}
		b.tokens = 1
	}
	b.tokens--
	return true
}

// headers sets RateLimit-Limit, -Remaining and -Reset (when the bucket is
// full again, in UNIX seconds). A refused request says none remain.
func (b *bucket) headers(h http.Header, now time.Time, refused bool) {
	b.refill(now)
	remaining := int(b.tokens)
	if refused {
		remaining = 0
	}
	full := now.Add(time.Duration((float64(b.limit) - float64(remaining)) * float64(time.Second)))
	h.Set("RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(full.UnixNano())/1e9)), 10))
}
