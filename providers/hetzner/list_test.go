package hetzner_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
)

// TestList500 lists a deployment of 500 machines, each with a firewall,
// two primary IPs and a volume, sharing 3 admin keys and 4 networks:
// 2,508 objects. At 50 a page that is at least 52 pages: one list per
// kind, each as long as it must be, and not one request more.
func TestList500(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	desired := deploy(t, p, 500)

	f.ResetRequests()
	got, err := p.List(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	bound := 0
	for _, kind := range hcloudfake.Kinds {
		n := len(f.Objects(kind))
		bound += max(1, (n+49)/50)
		t.Logf("%d %s: %d requests", n, kind, f.RequestsTo("GET /"+kind))
	}
	if requests := f.Requests(); requests > bound || bound != 52 {
		t.Errorf("List made %d requests; the floor for these objects at 50 a page is %d (52 expected)", requests, bound)
	}

	// What List reads is what Desired says: a plan would be empty.
	want := map[string]*providers.Resource{}
	for _, r := range desired {
		want[r.Address()] = r
	}
	if len(got) != len(want) {
		t.Errorf("List found %d resources, Desired has %d", len(got), len(want))
	}
	for _, r := range got {
		if w := want[r.Address()]; w == nil || !maps.Equal(w.Attrs, r.Attrs) {
			t.Errorf("%s: listed %v, desired %v", r.Address(), r.Attrs, w)
		}
	}
}

// BenchmarkList500 measures List of the deployment of TestList500 with
// 50 ms of latency per request.
func BenchmarkList500(b *testing.B) {
	p, f := fresh(b, hcloudfake.Options{})
	deploy(b, p, 500)
	f.SetLatency(50 * time.Millisecond)
	f.ResetRequests()
	b.ResetTimer()
	for range b.N {
		if _, err := p.List(context.Background(), "big"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.Requests())/float64(b.N), "requests/op")
}

// deploy creates a deployment "big" of n machines spread over the four
// network zones, each with a disk and a public port, and returns its
// desired resources. What refers to nothing is created first, 32 at a
// time, then the servers.
func deploy(tb testing.TB, p *hetzner.Provider, n int) []*providers.Resource {
	locations := []string{"fsn1", "ash", "nbg1", "hil", "hel1", "sin"}
	admins := []string{hcloudfake.PublicKey("a"), hcloudfake.PublicKey("b"), hcloudfake.PublicKey("c")}
	var machines []providers.MachineSpec
	for i := range n {
		machines = append(machines, providers.MachineSpec{
			Name: fmt.Sprintf("m%03d", i), Location: locations[i%len(locations)], Size: "cpx21", Admins: admins,
			Disks: []providers.DiskSpec{{Name: "data", SizeGB: 10}},
			Ports: []providers.Port{{Protocol: "tcp", Port: 443}},
		})
	}
	desired, err := p.Desired(context.Background(), "big", machines)
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	made := map[string]string{}
	ids := func(addr string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		id, ok := made[addr]
		return id, ok
	}
	for _, servers := range []bool{false, true} {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for _, r := range desired {
			if (r.Kind == "server") != servers {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				c, err := p.Create(context.Background(), "big", r, ids)
				if err != nil {
					tb.Error(err)
					return
				}
				mu.Lock()
				made[c.Address()] = c.ID
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	if tb.Failed() {
		tb.FailNow()
	}
	return desired
}
