package hetzner

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

// unavailableRetries bounds the transport's retries of 503.
const unavailableRetries = 3

// maxRateLimitWait bounds a wait the RateLimit headers ask for.
const maxRateLimitWait = time.Minute

// retryBackoff is the wait before retry n: base, doubling, with jitter,
// up to a minute.
func retryBackoff(base time.Duration) hcloud.BackoffFunc {
	return hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
		Base: base, Multiplier: 2, Cap: time.Minute, Jitter: true,
	})
}

// rateLimits paces requests by the API's RateLimit headers. The API's
// bucket holds Limit requests and refills one at a time until Reset, when
// it is full: with none remaining, the next request is allowed after
// (Reset-now)/(Limit-Remaining), and one more after each such interval.
// Concurrent requests each reserve their own slot, rather than all retry
// at once and all but one be refused again.
type rateLimits struct {
	mu        sync.Mutex
	remaining int
	interval  time.Duration // between requests while none remain
	nextFree  time.Time     // the next free slot while none remain
}

func (rl *rateLimits) observe(h http.Header, now time.Time) {
	limit, err1 := strconv.Atoi(h.Get("RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("RateLimit-Remaining"))
	reset, err3 := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= remaining {
		return
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.remaining = remaining
	rl.interval = min(time.Unix(reset, 0).Sub(now)/time.Duration(limit-remaining), maxRateLimitWait)
	if remaining == 0 && now.Add(rl.interval).After(rl.nextFree) {
		rl.nextFree = now.Add(rl.interval)
	}
}

// next is how long until the next free slot: zero while requests remain.
func (rl *rateLimits) next(now time.Time) time.Duration {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.remaining > 0 {
		return 0
	}
	return max(rl.nextFree.Sub(now), 0)
}

// reserve takes a slot for a request and says how long to wait for it.
func (rl *rateLimits) reserve(now time.Time) time.Duration {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.remaining > 0 || rl.interval <= 0 {
		rl.remaining = max(rl.remaining-1, 0)
		return 0
	}
	slot := rl.nextFree
	if slot.Before(now) {
		slot = now
	}
	rl.nextFree = slot.Add(rl.interval)
	return min(slot.Sub(now), maxRateLimitWait)
}

// backoff is hcloud-go's wait before a retry: the longer of the
// exponential backoff and the wait for the next free slot, so a 429 is
// retried when the API will take it and not before.
func (rl *rateLimits) backoff(exp hcloud.BackoffFunc) hcloud.BackoffFunc {
	return func(retries int) time.Duration {
		return max(exp(retries), rl.next(time.Now()))
	}
}

// transport paces requests by the rate limit and retries 503 Service
// Unavailable, which hcloud-go does not: the API answers it
// (service_error, maintenance) for requests it did not carry out.
type transport struct {
	next       http.RoundTripper
	limits     *rateLimits
	backoff    hcloud.BackoffFunc
	maxRetries int
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	for retries := 0; ; retries++ {
		if err := sleep(req.Context(), t.limits.reserve(time.Now())); err != nil {
			return nil, err
		}
		resp, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		t.limits.observe(resp.Header, time.Now())
		if resp.StatusCode != http.StatusServiceUnavailable || retries == t.maxRetries || req.Body != nil && req.GetBody == nil {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err := sleep(req.Context(), t.backoff(retries)); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

// sleep waits for d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
