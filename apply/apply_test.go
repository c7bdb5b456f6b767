package apply

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freecloud/freecloud/plan"
	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/state"
)

const prov = "provider.mem.test"

// memProvider keeps resources in a map and records the order of calls.
type memProvider struct {
	mu        sync.Mutex
	next      int
	objects   map[string]*providers.Resource
	calls     []string
	delay     time.Duration
	fail      map[string]bool // "create server.b"
	active    atomic.Int32
	maxActive atomic.Int32
}

func newMem() *memProvider {
	return &memProvider{objects: map[string]*providers.Resource{}, fail: map[string]bool{}}
}

func (m *memProvider) Kinds() []providers.KindSpec {
	// Referenced kinds first, as the interface asks.
	return []providers.KindSpec{{Kind: "ssh_key"}, {Kind: "firewall"}, {Kind: "server", Replace: []string{"location"}, HoldsData: true}}
}
func (m *memProvider) Desired(context.Context, string, []providers.MachineSpec) ([]*providers.Resource, error) {
	return nil, nil
}
func (m *memProvider) Validate(context.Context, []*providers.Resource) []*providers.ResourceError {
	return nil
}
func (m *memProvider) List(context.Context, string) ([]*providers.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*providers.Resource
	for _, r := range m.objects {
		out = append(out, r)
	}
	return out, nil
}

func (m *memProvider) op(name string, r *providers.Resource, f func()) error {
	n := m.active.Add(1)
	defer m.active.Add(-1)
	for {
		max := m.maxActive.Load()
		if n <= max || m.maxActive.CompareAndSwap(max, n) {
			break
		}
	}
	time.Sleep(m.delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	call := name + " " + r.Address()
	m.calls = append(m.calls, call)
	if m.fail[call] {
		return fmt.Errorf("the API said no")
	}
	f()
	return nil
}

func (m *memProvider) Create(_ context.Context, _ string, r *providers.Resource, ids providers.IDs) (*providers.Resource, error) {
	for _, ref := range r.Refs {
		if _, ok := ids(ref); !ok {
			return nil, fmt.Errorf("%s needs %s, which has no ID yet", r.Address(), ref)
		}
	}
	out := *r
	err := m.op("create", r, func() {
		m.next++
		out.ID = fmt.Sprint(m.next)
		m.objects[r.Address()] = &out
	})
	return &out, err
}

func (m *memProvider) Update(_ context.Context, _ string, cur, want *providers.Resource, _ providers.IDs) (*providers.Resource, error) {
	out := *want
	out.ID = cur.ID
	err := m.op("update", want, func() { m.objects[want.Address()] = &out })
	return &out, err
}

func (m *memProvider) Delete(_ context.Context, r *providers.Resource) error {
	return m.op("delete", r, func() { delete(m.objects, r.Address()) })
}

func res(kind, name string, refs ...string) *providers.Resource {
	return &providers.Resource{Kind: kind, Name: name, Attrs: map[string]string{"location": "fsn1"}, Refs: refs}
}

func setup(t *testing.T, mem *memProvider) *Engine {
	t.Helper()
	store := state.ForDeployment(t.TempDir())
	return &Engine{Deployment: "acme", Providers: map[string]providers.Provider{prov: mem}, Store: store, State: state.New("acme")}
}

func makePlan(t *testing.T, e *Engine, mem *memProvider, desired []*providers.Resource) *plan.Plan {
	t.Helper()
	actual, _ := mem.List(context.Background(), "acme")
	if err := e.Refresh(map[string][]*providers.Resource{prov: actual}); err != nil {
		t.Fatal(err)
	}
	return plan.Make(plan.Input{
		Deployment: "acme",
		Desired:    map[string][]*providers.Resource{prov: desired},
		Actual:     map[string][]*providers.Resource{prov: actual},
		Kinds:      map[string][]providers.KindSpec{prov: mem.Kinds()},
		State:      e.State,
	})
}

func TestApplyOrdersByReferencesAndRecordsState(t *testing.T) {
	mem := newMem()
	e := setup(t, mem)
	desired := []*providers.Resource{
		res("server", "web1", "ssh_key.alice", "firewall.web1"),
		res("firewall", "web1"),
		res("ssh_key", "alice"),
	}
	if err := e.Apply(context.Background(), makePlan(t, e, mem, desired)); err != nil {
		t.Fatal(err)
	}
	last := mem.calls[len(mem.calls)-1]
	if last != "create server.web1" {
		t.Errorf("the server was not created after what it refers to: %v", mem.calls)
	}
	saved, err := e.Store.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Resources) != 3 || saved.Resource("server.web1").ID == "" {
		t.Fatalf("state: %+v", saved.Resources)
	}
	// A second plan has nothing to do.
	if p := makePlan(t, e, mem, desired); !p.Empty() {
		t.Fatalf("second plan: %s", p.Text())
	}
	// Removing the server and its firewall deletes the server first.
	mem.calls = nil
	if err := e.Apply(context.Background(), makePlan(t, e, mem, desired[2:])); err != nil {
		t.Fatal(err)
	}
	if strings.Join(mem.calls, ", ") != "delete server.web1, delete firewall.web1" && mem.calls[0] != "delete server.web1" {
		t.Errorf("deletes out of order: %v", mem.calls)
	}
}

func TestApplyParallelismIsBounded(t *testing.T) {
	for _, parallelism := range []int{1, 4} {
		mem := newMem()
		mem.delay = 20 * time.Millisecond
		e := setup(t, mem)
		e.Parallelism = parallelism
		var desired []*providers.Resource
		for i := 0; i < 12; i++ {
			desired = append(desired, res("server", fmt.Sprintf("s%02d", i)))
		}
		if err := e.Apply(context.Background(), makePlan(t, e, mem, desired)); err != nil {
			t.Fatal(err)
		}
		if got := mem.maxActive.Load(); int(got) != parallelism {
			t.Errorf("parallelism %d: at most %d calls ran at once", parallelism, got)
		}
	}
}

func TestFailureSkipsDependentsAndKeepsTheRest(t *testing.T) {
	mem := newMem()
	mem.fail["create firewall.web1"] = true
	e := setup(t, mem)
	var events []string
	var mu sync.Mutex
	e.Progress = func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, string(ev.Phase)+" "+ev.Change.Address)
	}
	desired := []*providers.Resource{res("server", "web1", "firewall.web1"), res("firewall", "web1"), res("server", "db1")}
	err := e.Apply(context.Background(), makePlan(t, e, mem, desired))
	if err == nil || !strings.Contains(err.Error(), "firewall.web1 (create): the API said no") {
		t.Fatalf("error: %v", err)
	}
	joined := strings.Join(events, ", ")
	if !strings.Contains(joined, "skipped server.web1") || !strings.Contains(joined, "done server.db1") {
		t.Errorf("events: %s", joined)
	}
	saved, _ := e.Store.Read()
	if saved.Resource("server.db1") == nil || saved.Resource("server.web1") != nil {
		t.Errorf("state after a partial failure: %v", saved.Addresses())
	}
	// The next run converges once the API works.
	delete(mem.fail, "create firewall.web1")
	if err := e.Apply(context.Background(), makePlan(t, e, mem, desired)); err != nil {
		t.Fatal(err)
	}
	if p := makePlan(t, e, mem, desired); !p.Empty() {
		t.Fatalf("did not converge: %s", p.Text())
	}
}

func TestInterruptFinishesWhatRunsAndStops(t *testing.T) {
	mem := newMem()
	mem.delay = 50 * time.Millisecond
	e := setup(t, mem)
	e.Parallelism = 2
	var desired []*providers.Resource
	for i := 0; i < 10; i++ {
		desired = append(desired, res("server", fmt.Sprintf("s%d", i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(70*time.Millisecond, cancel)
	err := e.Apply(ctx, makePlan(t, e, mem, desired))
	if err != ErrInterrupted {
		t.Fatalf("got %v", err)
	}
	saved, _ := e.Store.Read()
	objects, _ := mem.List(context.Background(), "acme")
	if len(saved.Resources) != len(objects) || len(objects) == 0 || len(objects) == 10 {
		t.Fatalf("state has %d resources, the provider %d (of 10)", len(saved.Resources), len(objects))
	}
}

func TestCrashAfterCreateIsAdoptedNotDuplicated(t *testing.T) {
	mem := newMem()
	e := setup(t, mem)
	desired := []*providers.Resource{res("server", "web1")}
	// The resource exists at the provider, but state never heard of it
	// (the process died before writing).
	mem.objects["server.web1"] = &providers.Resource{Kind: "server", Name: "web1", ID: "77", Attrs: map[string]string{"location": "fsn1"}}
	p := makePlan(t, e, mem, desired)
	if !p.Empty() {
		t.Fatalf("a create after a crash must not run again: %s", p.Text())
	}
	if e.State.Resource("server.web1").ID != "77" {
		t.Error("refresh did not adopt the resource into state")
	}
}
