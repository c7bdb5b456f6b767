package hetzner_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
)

func TestNewNeedsAToken(t *testing.T) {
	_, err := hetzner.New(context.Background(), hetzner.EnvOptions(func(string) (string, bool) { return "", false }))
	if err == nil || !strings.Contains(err.Error(), "HCLOUD_TOKEN") {
		t.Errorf("err = %v, want it to name HCLOUD_TOKEN", err)
	}
}

func TestWrongTokenIsNotRepeated(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{})
	const secret = "s3cr3t-t0ken-that-is-wrong"
	p, err := hetzner.New(context.Background(), hetzner.Options{Token: secret, Endpoint: f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.List(context.Background(), "acme")
	if err == nil || !strings.Contains(err.Error(), "unauthorized") || strings.Contains(err.Error(), secret) {
		t.Errorf("err = %v, want unauthorized without the token", err)
	}
	errs := p.Validate(context.Background(), nil)
	if len(errs) != 1 || strings.Contains(errs[0].Error(), secret) {
		t.Errorf("Validate = %v, want one error without the token", errs)
	}
}

// With an enforced rate limit of 5 requests, one of List's 6 requests
// gets a 429; it is retried when the RateLimit headers say a request is
// free again (one a second), not sooner.
func TestRateLimitHeadersAreHonoured(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{RateLimit: 5})
	start := time.Now()
	if _, err := p.List(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("List took %v; the request over the limit must wait for the bucket to refill", elapsed)
	}
	// Answers observed out of order may let one retry go early.
	if n := f.Requests(); n > 8 {
		t.Errorf("%d requests, want at most 8: 6 lists and a retry or two", n)
	}
}

// 503 is retried by the transport, 3 times, then reported.
func TestUnavailableIsRetriedBounded(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	f.FailNext("GET /servers", 3, http.StatusServiceUnavailable)
	if _, err := p.List(context.Background(), "acme"); err != nil {
		t.Fatalf("3 503s were not retried: %v", err)
	}
	f.ResetRequests()
	f.FailNext("GET /servers", 100, http.StatusServiceUnavailable)
	_, err := p.List(context.Background(), "acme")
	if err == nil || !strings.Contains(err.Error(), "service_error") {
		t.Errorf("err = %v, want the API's service_error", err)
	}
	if n := f.RequestsTo("GET /servers"); n != 4 {
		t.Errorf("%d requests, want 4: one and 3 retries", n)
	}
}

// A request that hangs times out and is retried.
func TestHangingRequestIsRetried(t *testing.T) {
	f := hcloudfake.New(t, hcloudfake.Options{})
	p, err := hetzner.New(context.Background(), hetzner.Options{
		Token: f.Token(), Endpoint: f.URL(), RetryBase: time.Millisecond, RequestTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.HangNext("GET /volumes", 1)
	if _, err := p.List(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	if n := f.RequestsTo("GET /volumes"); n != 2 {
		t.Errorf("%d requests, want the hanging one and its retry", n)
	}
}

// A server type changes in place: shut down, rescaled with its disk kept,
// started again.
func TestServerTypeChange(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{ActionDuration: 5 * time.Millisecond})
	m := at("web1", "fsn1")
	made := create(t, p, m)
	m.Size = "cpx31"
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{m})
	server := find(desired, "server.web1")
	f.ResetRequests()
	if _, err := p.Update(context.Background(), "acme", made["server.web1"], server, idsOf(made)); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"shutdown", "change_type", "poweron"} {
		if n := f.RequestsTo("POST /servers/{id}/actions/" + action); n != 1 {
			t.Errorf("%s: %d requests, want 1", action, n)
		}
	}
	listed, _ := p.List(context.Background(), "acme")
	if got := find(listed, "server.web1").Attrs["server_type"]; got != "cpx31" {
		t.Errorf("server type %s after the change", got)
	}
}

// A failed action fails Create, which still returns what it made.
func TestFailedActionIsReported(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	f.FailActions("create_volume", 1)
	m := at("db", "fsn1")
	m.Disks = []providers.DiskSpec{{Name: "data", SizeGB: 10}}
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{m})
	made, err := p.Create(context.Background(), "acme", find(desired, "volume.db-data"), nil)
	var actionErr hcloud.ActionError
	if !errors.As(err, &actionErr) || !strings.Contains(err.Error(), "create volume.db-data: create_volume failed") {
		t.Errorf("err = %v, want the failed action for volume.db-data", err)
	}
	if made == nil || made.ID == "" {
		t.Errorf("Create returned %v, want the volume it made", made)
	}
}

func TestCreateNeedsItsReferences(t *testing.T) {
	p, _ := fresh(t, hcloudfake.Options{})
	desired, _ := p.Desired(context.Background(), "acme", []providers.MachineSpec{at("web1", "fsn1")})
	_, err := p.Create(context.Background(), "acme", find(desired, "server.web1"), func(string) (string, bool) { return "", false })
	if err == nil || !strings.Contains(err.Error(), "create server.web1: needs ") {
		t.Errorf("err = %v", err)
	}
}

func TestVolumesGrowButDoNotShrink(t *testing.T) {
	p, _ := fresh(t, hcloudfake.Options{})
	m := at("db", "fsn1")
	m.Disks = []providers.DiskSpec{{Name: "data", SizeGB: 20}}
	made := create(t, p, m)
	current := made["volume.db-data"]
	for size, want := range map[string]string{"30": "", "10": "cannot shrink"} {
		desired := providers.Clone(current)
		desired.Attrs["size"] = size
		_, err := p.Update(context.Background(), "acme", current, desired, nil)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("size %s: err = %v, want %q", size, err, want)
		}
		if err == nil {
			current = desired
		}
	}
}

// Deleting a volume or firewall still in use by a server takes it off
// the server first.
func TestDeleteTakesOffServers(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	m := at("db", "fsn1")
	m.Disks = []providers.DiskSpec{{Name: "data", SizeGB: 10}}
	made := create(t, p, m)
	for _, addr := range []string{"volume.db-data", "firewall.db"} {
		if err := p.Delete(context.Background(), made[addr]); err != nil {
			t.Errorf("delete %s: %v", addr, err)
		}
	}
	if n := len(f.Objects("volumes")) + len(f.Objects("firewalls")); n != 0 {
		t.Errorf("%d volumes and firewalls remain", n)
	}
}

// Hetzner holds a public key once per project; the error says which key
// is in the way and what to do.
func TestSSHKeyClash(t *testing.T) {
	p, f := fresh(t, hcloudfake.Options{})
	create(t, p, at("web1", "fsn1"))
	key := find(mustDesired(t, p, at("web1", "fsn1")), keyAddress(alice))
	_, err := p.Create(context.Background(), "other", key, nil)
	if err == nil || !strings.Contains(err.Error(), "deployment acme already uploaded this key") {
		t.Errorf("another deployment's key: %v", err)
	}
	f.Add("ssh_keys", "bob@laptop", nil)
	bobs := find(mustDesired(t, p, providers.MachineSpec{Name: "x", Location: "fsn1", Size: "cx22", Admins: []string{hcloudfake.PublicKey("bob@laptop")}}), "")
	_, err = p.Create(context.Background(), "acme", bobs, nil)
	if err == nil || !strings.Contains(err.Error(), `delete "bob@laptop" in the Hetzner Console`) {
		t.Errorf("a key uploaded by hand: %v", err)
	}
}

// create makes the resources of a machine of deployment acme.
func create(t *testing.T, p *hetzner.Provider, m providers.MachineSpec) map[string]*providers.Resource {
	t.Helper()
	made := map[string]*providers.Resource{}
	desired := mustDesired(t, p, m)
	for _, servers := range []bool{false, true} {
		for _, r := range desired {
			if (r.Kind == "server") != servers {
				continue
			}
			c, err := p.Create(context.Background(), "acme", r, idsOf(made))
			if err != nil {
				t.Fatal(err)
			}
			made[c.Address()] = c
		}
	}
	return made
}

func mustDesired(t *testing.T, p *hetzner.Provider, ms ...providers.MachineSpec) []*providers.Resource {
	t.Helper()
	desired, err := p.Desired(context.Background(), "acme", ms)
	if err != nil {
		t.Fatal(err)
	}
	return desired
}

// find returns the resource at an address; "" finds the SSH key.
func find(rs []*providers.Resource, address string) *providers.Resource {
	for _, r := range rs {
		if r.Address() == address || address == "" && r.Kind == "ssh_key" {
			return r
		}
	}
	return nil
}

func idsOf(made map[string]*providers.Resource) providers.IDs {
	return func(addr string) (string, bool) {
		if r := made[addr]; r != nil {
			return r.ID, true
		}
		return "", false
	}
}
