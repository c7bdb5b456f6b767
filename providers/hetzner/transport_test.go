package hetzner

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// With no requests remaining, concurrent callers are given one slot each,
// an interval apart.
func TestRateLimitsPaceRequests(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var rl rateLimits
	if d := rl.reserve(now); d != 0 {
		t.Errorf("before any headers: wait %v", d)
	}
	h := http.Header{}
	h.Set("RateLimit-Limit", "3600")
	h.Set("RateLimit-Remaining", "2")
	h.Set("RateLimit-Reset", strconv.FormatInt(now.Add(3598*time.Second).Unix(), 10))
	rl.observe(h, now)
	for i := range 2 {
		if d := rl.reserve(now); d != 0 {
			t.Errorf("request %d of 2 remaining waits %v", i, d)
		}
	}
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", strconv.FormatInt(now.Add(3600*time.Second).Unix(), 10))
	rl.observe(h, now)
	if d := rl.next(now); d != time.Second {
		t.Errorf("next free slot in %v, want 1s", d)
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		if d := rl.reserve(now); d != want {
			t.Errorf("caller %d waits %v, want %v", i, d, want)
		}
	}
	// A later answer does not hand out reserved slots again.
	rl.observe(h, now)
	if d := rl.reserve(now); d != 4*time.Second {
		t.Errorf("after another answer the next caller waits %v, want 4s", d)
	}
}
