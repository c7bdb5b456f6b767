package hetzner_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/hetzner"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/freecloud/freecloud/providers/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		Fresh: func(t *testing.T) (providers.Provider, providertest.Faults) {
			p, f := fresh(t, hcloudfake.Options{})
			return p, faults{t, f}
		},
		Machine: machine,
		Changes: providertest.StandardChanges("cx32", hcloudfake.PublicKey("bob"), machine),
		Invalid: func(m *providers.MachineSpec) string {
			m.Size = "cx99"
			return `unknown server type "cx99"`
		},
		UniqueNames: true,
	})
}

// machine is a valid machine that uses every kind of resource. Each
// deployment has its own admin: a project holds a public key only once.
func machine(deployment, name string) providers.MachineSpec {
	return providers.MachineSpec{
		Name: name, Location: "fsn1", Size: "cx22",
		Admins: []string{hcloudfake.PublicKey("admin-of-" + deployment)},
		Disks:  []providers.DiskSpec{{Name: "data", SizeGB: 10}},
		Ports:  []providers.Port{{Protocol: "tcp", Port: 443}},
		Labels: map[string]string{"team": "web"},
	}
}

// fresh is a provider bound to a new fake, tuned for tests: short polls
// and retry waits.
func fresh(t testing.TB, opts hcloudfake.Options) (*hetzner.Provider, *hcloudfake.Fake) {
	f := hcloudfake.New(t, opts)
	p, err := hetzner.New(context.Background(), hetzner.Options{
		Token: f.Token(), Endpoint: f.URL(),
		PollInterval: 2 * time.Millisecond, RetryBase: 5 * time.Millisecond,
		RequestTimeout: 2 * time.Second, ShutdownTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

// faults maps the suite's kinds and operations to the fake's routes.
type faults struct {
	t *testing.T
	f *hcloudfake.Fake
}

var collections = map[string]string{
	"ssh_key": "ssh_keys", "network": "networks", "firewall": "firewalls",
	"primary_ip": "primary_ips", "volume": "volumes", "server": "servers",
}

func (fs faults) route(kind, op string) string {
	c := collections[kind]
	switch op {
	case "list":
		return "GET /" + c
	case "create":
		return "POST /" + c
	case "delete":
		return "DELETE /" + c + "/{id}"
	}
	fs.t.Fatalf("no operation %q", op)
	return ""
}

func (fs faults) FailNext(kind, op string, n, status int) {
	fs.f.FailNext(fs.route(kind, op), n, status)
}
func (fs faults) LoseNext(kind, op string, n int)  { fs.f.LoseNext(fs.route(kind, op), n) }
func (fs faults) SetLatency(d time.Duration)       { fs.f.SetLatency(d) }
func (fs faults) SetOperationTime(d time.Duration) { fs.f.SetActionDuration(d) }
func (fs faults) SetPageSize(n int)                { fs.f.SetMaxPerPage(n) }
func (fs faults) Requests() int                    { return fs.f.Requests() }
func (fs faults) AddForeign(kind, name string, labels map[string]string) {
	fs.f.Add(collections[kind], name, labels)
}
func (fs faults) Busy(kind, id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && fs.f.Busy(collections[kind], n)
}
