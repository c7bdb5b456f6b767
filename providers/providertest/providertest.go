// Package providertest is the conformance suite every provider runs
// against a fake of its API: what plan and apply rely on, checked the same
// way for all providers.
//
// A provider's test calls Run with a Harness that makes a fresh provider
// bound to a fresh fake and lets the suite inject faults. The suite then
// checks: create, then List finds exactly what was desired with the same
// attributes; List reads by labels across many pages, one list per kind,
// and ignores other deployments' and unlabelled objects; changes are made
// in place; attributes in KindSpec.Replace are refused by Update; delete,
// twice; API errors name the resource; 429 and 503 are retried
// transparently; Create waits for slow operations; and a create whose
// answer was lost is found by the next List (or succeeds, made idempotent
// by the provider), so nothing is made twice.
package providertest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/providers"
)

// Faults is what the suite may do to the fake API behind a provider.
// Kinds are the provider's resource kinds; operations are "list",
// "create" and "delete".
type Faults interface {
	// FailNext answers the next n requests of an operation on a kind
	// with an HTTP status and the API's documented error for it.
	FailNext(kind, op string, n, status int)
	// LoseNext carries out the next n requests of an operation on a kind
	// but drops their answers, as when the network fails or the client
	// crashes right after the request.
	LoseNext(kind, op string, n int)
	// SetLatency delays every request.
	SetLatency(d time.Duration)
	// SetOperationTime makes the API's asynchronous operations (actions)
	// take d before the resource is usable.
	SetOperationTime(d time.Duration)
	// SetPageSize caps the page size of lists.
	SetPageSize(n int)
	// AddForeign makes an object of a kind that the provider did not
	// make, with the given labels (nil for none).
	AddForeign(kind, name string, labels map[string]string)
	// Requests is how many requests the API has answered.
	Requests() int
	// Busy reports whether an operation still runs on a resource.
	Busy(kind, id string) bool
}

// A Harness is what the suite needs of a provider.
type Harness struct {
	// Fresh returns a provider bound to a new, empty fake API, and the
	// faults of that fake.
	Fresh func(t *testing.T) (providers.Provider, Faults)
	// Machine returns a valid machine of a deployment, with at least one
	// admin, disk and port so that every kind of resource is used. The
	// suite makes two deployments in one project; where the API holds a
	// thing once per project (Hetzner an SSH key), give each its own.
	Machine func(deployment, name string) providers.MachineSpec
	// Changes are edits of a deployment (of machine m1 alone) that
	// the provider makes in place: created, updated and deleted
	// resources, no replacement.
	Changes map[string]Change
	// Invalid makes a machine invalid at the provider (an unknown size,
	// say) and returns what the API's error says about it.
	Invalid func(m *providers.MachineSpec) (apiMessage string)
	// UniqueNames says the API refuses a second object of a kind with
	// the same name.
	UniqueNames bool
}

const deployment = "conformance"

// A Change edits the machines of a deployment.
type Change = func([]providers.MachineSpec) []providers.MachineSpec

// StandardChanges are the edits of machine m1 that every cloud makes in
// place, for Harness.Changes: open a port, grow a disk, add and remove
// disks, change the size to size, relabel, add an admin key (newAdmin)
// and add a machine next to it (made by machine). A harness adds its
// provider's own.
func StandardChanges(size, newAdmin string, machine func(deployment, name string) providers.MachineSpec) map[string]Change {
	return map[string]Change{
		"open a port": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Ports = append(ms[0].Ports, providers.Port{Protocol: "udp", Port: 51820})
			return ms
		},
		"grow a disk": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Disks = []providers.DiskSpec{{Name: "data", SizeGB: 20}}
			return ms
		},
		"add and remove disks": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Disks = []providers.DiskSpec{{Name: "logs", SizeGB: 10}, {Name: "media", SizeGB: 30}}
			return ms
		},
		"change the size": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Size = size
			return ms
		},
		"relabel": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Labels = map[string]string{"team": "ops", "tier": "front"}
			return ms
		},
		"add a machine next to it": func(ms []providers.MachineSpec) []providers.MachineSpec {
			return append(ms, machine(deployment, "m2"))
		},
		"add an admin": func(ms []providers.MachineSpec) []providers.MachineSpec {
			ms[0].Admins = append(ms[0].Admins, newAdmin)
			return ms
		},
	}
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("CreateThenList", func(t *testing.T) { testCreateThenList(t, h) })
	t.Run("ListPagesAndLabels", func(t *testing.T) { testListPagesAndLabels(t, h) })
	t.Run("UpdateInPlace", func(t *testing.T) { testUpdateInPlace(t, h) })
	t.Run("ReplaceNotUpdatable", func(t *testing.T) { testReplaceNotUpdatable(t, h) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, h) })
	t.Run("Validate", func(t *testing.T) { testValidate(t, h) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalidInput(t, h) })
	t.Run("InputErrorNotRetried", func(t *testing.T) { testInputErrorNotRetried(t, h) })
	t.Run("Duplicate", func(t *testing.T) { testDuplicate(t, h) })
	t.Run("RetriedErrors", func(t *testing.T) { testRetriedErrors(t, h) })
	t.Run("SlowOperations", func(t *testing.T) { testSlowOperations(t, h) })
	t.Run("InterruptedCreate", func(t *testing.T) { testInterruptedCreate(t, h) })
}

func testCreateThenList(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"), h.Machine(deployment, "m2"))
	made := converge(t, p, deployment, nil, desired)
	for _, r := range made {
		if faults.Busy(r.Kind, r.ID) {
			t.Errorf("%s: Create returned while the resource was still busy", r.Address())
		}
	}
	got := list(t, p, deployment)
	expectSame(t, got, desired)
	for _, r := range got {
		if want := made[r.Address()]; want != nil && want.ID != r.ID {
			t.Errorf("%s: Create said ID %s, List says %s", r.Address(), want.ID, r.ID)
		}
	}
}

// testListPagesAndLabels lists a deployment spread over many pages, next
// to another deployment's and unlabelled objects of every kind.
func testListPagesAndLabels(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	const pageSize = 2
	faults.SetPageSize(pageSize)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"), h.Machine(deployment, "m2"), h.Machine(deployment, "m3"))
	converge(t, p, deployment, nil, desired)
	converge(t, p, "other", nil, desire(t, p, "other", h.Machine("other", "m1")))
	for _, k := range p.Kinds() {
		faults.AddForeign(k.Kind, "foreign-"+strings.ReplaceAll(k.Kind, "_", "-"), nil)
	}

	before := faults.Requests()
	got := list(t, p, deployment)
	requests := faults.Requests() - before
	expectSame(t, got, desired)

	// One list per kind, each as many pages as it needs: never a request
	// per resource.
	perKind := map[string]int{}
	for _, r := range desired {
		perKind[r.Kind]++
	}
	bound := 0
	for _, k := range p.Kinds() {
		bound += max(1, (perKind[k.Kind]+pageSize-1)/pageSize)
	}
	if requests > bound {
		t.Errorf("List made %d requests for %d resources in pages of %d; at most %d (one list per kind) expected", requests, len(desired), pageSize, bound)
	}
}

// testUpdateInPlace applies each of the harness's changes to a fresh
// deployment and checks List then shows the changed deployment.
func testUpdateInPlace(t *testing.T, h Harness) {
	if len(h.Changes) == 0 {
		t.Skip("the harness has no changes")
	}
	for _, name := range slices.Sorted(maps.Keys(h.Changes)) {
		t.Run(name, func(t *testing.T) {
			p, _ := h.Fresh(t)
			machines := []providers.MachineSpec{h.Machine(deployment, "m1")}
			before := desire(t, p, deployment, machines...)
			converge(t, p, deployment, nil, before)
			after := desire(t, p, deployment, h.Changes[name](machines)...)
			converge(t, p, deployment, before, after)
			expectSame(t, list(t, p, deployment), after)
		})
	}
}

// testReplaceNotUpdatable changes each attribute that needs a new
// resource and checks Update refuses it and leaves the resource as it
// was.
func testReplaceNotUpdatable(t *testing.T, h Harness) {
	p, _ := h.Fresh(t)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"))
	made := converge(t, p, deployment, nil, desired)
	specs := kindSpecs(p)
	tested := 0
	for _, r := range desired {
		for _, attr := range specs[r.Kind].Replace {
			if _, ok := r.Attrs[attr]; !ok {
				continue
			}
			tested++
			changed := clone(r)
			changed.Attrs[attr] += "-changed"
			_, err := p.Update(ctx(t), deployment, made[r.Address()], changed, idsOf(made))
			if err == nil {
				t.Errorf("%s: Update changed %s, which KindSpec.Replace says needs a new resource", r.Address(), attr)
			} else if !strings.Contains(err.Error(), r.Address()) {
				t.Errorf("%s: Update's error does not name the resource: %v", r.Address(), err)
			}
		}
	}
	if tested == 0 {
		t.Skip("no resource has an attribute that forces replacement")
	}
	expectSame(t, list(t, p, deployment), desired)
}

func testDelete(t *testing.T, h Harness) {
	p, _ := h.Fresh(t)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"), h.Machine(deployment, "m2"))
	made := converge(t, p, deployment, nil, desired)
	for _, r := range deleteOrder(desired) {
		if err := p.Delete(ctx(t), made[r.Address()]); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	expectSame(t, list(t, p, deployment), nil)
	for _, r := range made {
		if err := p.Delete(ctx(t), r); err != nil {
			t.Errorf("deleting %s again: %v; a resource already gone is not an error", r.Address(), err)
		}
	}
}

func testValidate(t *testing.T, h Harness) {
	p, _ := h.Fresh(t)
	if errs := p.Validate(ctx(t), desire(t, p, deployment, h.Machine(deployment, "m1"))); len(errs) > 0 {
		t.Errorf("Validate found errors in a valid machine: %v", errs)
	}
	if h.Invalid == nil {
		return
	}
	m := h.Machine(deployment, "m1")
	h.Invalid(&m)
	errs := p.Validate(ctx(t), desire(t, p, deployment, m))
	if len(errs) == 0 {
		t.Fatal("Validate found no error in an invalid machine")
	}
	for _, err := range errs {
		if !strings.Contains(err.Address, ".m1") {
			t.Errorf("Validate's error is not about a resource of machine m1: %v", err)
		}
	}
}

// testInvalidInput creates an invalid machine: the API's refusal comes
// back naming the resource and saying what the API said.
func testInvalidInput(t *testing.T, h Harness) {
	if h.Invalid == nil {
		t.Skip("the harness has no invalid machine")
	}
	p, _ := h.Fresh(t)
	m := h.Machine(deployment, "m1")
	msg := h.Invalid(&m)
	desired := desire(t, p, deployment, m)
	_, err := apply(t, p, deployment, desired)
	if err == nil {
		t.Fatal("creating an invalid machine succeeded")
	}
	if !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), ".m1") {
		t.Errorf("the error should name the resource and say %q: %v", msg, err)
	}
}

// testInputErrorNotRetried injects an input error into a create: had it
// been retried, the retry would have succeeded.
func testInputErrorNotRetried(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	r := first(desire(t, p, deployment, h.Machine(deployment, "m1")))
	faults.FailNext(r.Kind, "create", 1, http.StatusBadRequest)
	if _, err := p.Create(ctx(t), deployment, r, noIDs); err == nil {
		t.Fatalf("%s: Create retried an input error into success", r.Address())
	} else if !strings.Contains(err.Error(), r.Address()) {
		t.Errorf("the error does not name %s: %v", r.Address(), err)
	}
	expectSame(t, list(t, p, deployment), nil)
}

func testDuplicate(t *testing.T, h Harness) {
	if !h.UniqueNames {
		t.Skip("the API allows objects with the same name")
	}
	p, _ := h.Fresh(t)
	r := first(desire(t, p, deployment, h.Machine(deployment, "m1")))
	if _, err := p.Create(ctx(t), deployment, r, noIDs); err != nil {
		t.Fatal(err)
	}
	_, err := p.Create(ctx(t), deployment, r, noIDs)
	if err == nil {
		t.Fatalf("%s: creating it twice succeeded", r.Address())
	}
	if !strings.Contains(err.Error(), r.Address()) {
		t.Errorf("the error does not name %s: %v", r.Address(), err)
	}
}

// testRetriedErrors has the API refuse requests with 429 and 503; the
// provider retries them and the caller never knows.
func testRetriedErrors(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"))
	kinds := p.Kinds()
	for _, k := range kinds {
		faults.FailNext(k.Kind, "create", 1, http.StatusServiceUnavailable)
	}
	converge(t, p, deployment, nil, desired)
	faults.FailNext(kinds[0].Kind, "list", 1, http.StatusTooManyRequests)
	faults.FailNext(kinds[len(kinds)-1].Kind, "list", 2, http.StatusServiceUnavailable)
	expectSame(t, list(t, p, deployment), desired)
}

// testSlowOperations makes every operation take a while: Create returns
// only once the resource is usable.
func testSlowOperations(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	faults.SetOperationTime(100 * time.Millisecond)
	faults.SetLatency(2 * time.Millisecond)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"))
	for _, r := range converge(t, p, deployment, nil, desired) {
		if faults.Busy(r.Kind, r.ID) {
			t.Errorf("%s: Create returned while the resource was still busy", r.Address())
		}
	}
	expectSame(t, list(t, p, deployment), desired)
}

// testInterruptedCreate loses the answer of every create. Either the
// provider made the create idempotent (a client token: sending it again
// returns the same object) and succeeds, or it fails; either way the
// next List must find exactly one object, as apply looks before it
// creates. What the create did not get to do after its first request
// (attach, associate) is then an update, as the next plan would show it.
func testInterruptedCreate(t *testing.T, h Harness) {
	p, faults := h.Fresh(t)
	desired := desire(t, p, deployment, h.Machine(deployment, "m1"))
	made := map[string]*providers.Resource{}
	for _, r := range createOrder(desired) {
		faults.LoseNext(r.Kind, "create", 1)
		created, err := p.Create(ctx(t), deployment, r, idsOf(made))
		for _, found := range list(t, p, deployment) {
			made[found.Address()] = found
		}
		found := made[r.Address()]
		switch {
		case found == nil:
			t.Fatalf("%s: after a create whose answer was lost, List does not find it: it would be made twice", r.Address())
		case err == nil && created.ID != found.ID:
			t.Fatalf("%s: Create returned %s after a lost answer, but List finds %s", r.Address(), created.ID, found.ID)
		}
		if !maps.Equal(found.Attrs, r.Attrs) {
			updated, err := p.Update(ctx(t), deployment, found, r, idsOf(made))
			if err != nil {
				t.Fatalf("%s: finishing an interrupted create: %v", r.Address(), err)
			}
			made[r.Address()] = updated
		}
	}
	expectSame(t, list(t, p, deployment), desired)
}

// desire derives the resources of machines.
func desire(t *testing.T, p providers.Provider, deployment string, machines ...providers.MachineSpec) []*providers.Resource {
	t.Helper()
	rs, err := p.Desired(ctx(t), deployment, machines)
	if err != nil {
		t.Fatalf("Desired: %v", err)
	}
	return rs
}

func list(t *testing.T, p providers.Provider, deployment string) []*providers.Resource {
	t.Helper()
	rs, err := p.List(ctx(t), deployment)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return rs
}

// converge brings a deployment from one desired set (nil: nothing) to
// another as apply would: create what is new (what it refers to first),
// update what changed, delete what went (what refers to it first). It
// returns the resources as they are then, by address.
func converge(t *testing.T, p providers.Provider, deployment string, from, to []*providers.Resource) map[string]*providers.Resource {
	t.Helper()
	made, err := apply(t, p, deployment, to)
	if err != nil {
		t.Fatal(err)
	}
	specs := kindSpecs(p)
	current := index(list(t, p, deployment))
	for _, want := range to {
		have := current[want.Address()]
		if have == nil || maps.Equal(have.Attrs, want.Attrs) {
			continue
		}
		for _, attr := range specs[want.Kind].Replace {
			if have.Attrs[attr] != want.Attrs[attr] {
				t.Fatalf("%s: %s changes, which needs a new resource: not a change in place", want.Address(), attr)
			}
		}
		updated, err := p.Update(ctx(t), deployment, have, want, idsOf(made))
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		made[want.Address()] = updated
	}
	wanted := index(to)
	for _, old := range deleteOrder(from) {
		if have := current[old.Address()]; have != nil && wanted[old.Address()] == nil {
			if err := p.Delete(ctx(t), have); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			delete(made, old.Address())
		}
	}
	return made
}

// apply creates what of desired does not exist yet, in dependency order,
// and returns every desired resource as it is then, by address.
func apply(t *testing.T, p providers.Provider, deployment string, desired []*providers.Resource) (map[string]*providers.Resource, error) {
	t.Helper()
	made := index(list(t, p, deployment))
	for _, r := range createOrder(desired) {
		if made[r.Address()] != nil {
			continue
		}
		c, err := p.Create(ctx(t), deployment, r, idsOf(made))
		if err != nil {
			return made, fmt.Errorf("Create: %w", err)
		}
		if c.ID == "" || c.Address() != r.Address() {
			t.Fatalf("Create %s returned %s with ID %q", r.Address(), c.Address(), c.ID)
		}
		made[r.Address()] = c
	}
	return made, nil
}

// createOrder sorts resources so that each comes after those it refers to.
func createOrder(rs []*providers.Resource) []*providers.Resource {
	byAddr := index(rs)
	var out []*providers.Resource
	done := map[string]bool{}
	var visit func(r *providers.Resource)
	visit = func(r *providers.Resource) {
		if done[r.Address()] {
			return
		}
		done[r.Address()] = true
		for _, ref := range r.Refs {
			if dep := byAddr[ref]; dep != nil {
				visit(dep)
			}
		}
		out = append(out, r)
	}
	for _, r := range sorted(rs) {
		visit(r)
	}
	return out
}

// deleteOrder sorts resources so that each comes before those it refers to.
func deleteOrder(rs []*providers.Resource) []*providers.Resource {
	out := createOrder(rs)
	slices.Reverse(out)
	return out
}

// first is the first resource that refers to nothing.
func first(rs []*providers.Resource) *providers.Resource {
	for _, r := range sorted(rs) {
		if len(r.Refs) == 0 {
			return r
		}
	}
	panic("providertest: every resource refers to another")
}

// expectSame checks got holds exactly the resources of want, once each,
// with the same attributes and an ID.
func expectSame(t *testing.T, got, want []*providers.Resource) {
	t.Helper()
	seen := map[string]*providers.Resource{}
	for _, r := range got {
		if seen[r.Address()] != nil {
			t.Errorf("%s is listed twice (IDs %s and %s)", r.Address(), seen[r.Address()].ID, r.ID)
		}
		seen[r.Address()] = r
		if r.ID == "" {
			t.Errorf("%s is listed without an ID", r.Address())
		}
	}
	wanted := index(want)
	for _, w := range sorted(want) {
		g := seen[w.Address()]
		if g == nil {
			t.Errorf("%s is missing from List", w.Address())
		} else if !maps.Equal(g.Attrs, w.Attrs) {
			t.Errorf("%s: List has attributes %v, desired are %v", w.Address(), g.Attrs, w.Attrs)
		}
	}
	for _, g := range sorted(got) {
		if wanted[g.Address()] == nil {
			t.Errorf("List has %s, which is not desired (another deployment's, or unlabelled?)", g.Address())
		}
	}
}

func kindSpecs(p providers.Provider) map[string]providers.KindSpec {
	specs := map[string]providers.KindSpec{}
	for _, k := range p.Kinds() {
		specs[k.Kind] = k
	}
	return specs
}

func index(rs []*providers.Resource) map[string]*providers.Resource {
	m := map[string]*providers.Resource{}
	for _, r := range rs {
		m[r.Address()] = r
	}
	return m
}

func sorted(rs []*providers.Resource) []*providers.Resource {
	out := slices.Clone(rs)
	providers.SortResources(out)
	return out
}

func idsOf(made map[string]*providers.Resource) providers.IDs {
	return func(address string) (string, bool) {
		if r := made[address]; r != nil && r.ID != "" {
			return r.ID, true
		}
		return "", false
	}
}

func noIDs(string) (string, bool) { return "", false }

func clone(r *providers.Resource) *providers.Resource {
	c := *r
	c.Attrs = maps.Clone(r.Attrs)
	c.Refs = slices.Clone(r.Refs)
	return &c
}

// ctx bounds each call: a provider that hangs fails the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
