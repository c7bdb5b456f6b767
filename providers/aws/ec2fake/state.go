package ec2fake

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// meta is what every object has: its ID, its resource type (the names
// TagSpecification uses: "vpc", "instance", "key-pair"…), its place in
// the order Describe calls list in, and its tags.
type meta struct {
	id   string
	typ  string
	seq  int64
	tags map[string]string
	// hiddenUntil is when calls that name the object by ID start to find
	// it (HideNew); zero for objects that are never hidden.
	hiddenUntil time.Time
}

func (m *meta) base() *meta { return m }

// A resource is any object the fake keeps.
type resource interface{ base() *meta }

// newMeta starts a new object of a type with an ID of the type's prefix.
// The caller holds f.mu.
func (f *Fake) newMeta(typ, prefix string, tags map[string]string) meta {
	f.seq++
	if tags == nil {
		tags = map[string]string{}
	}
	return meta{id: f.newID(prefix), typ: typ, seq: f.seq, tags: tags}
}

// hide makes an object unknown to calls naming it for the HideNew time.
func (f *Fake) hide(m *meta) {
	if f.hideNew > 0 {
		m.hiddenUntil = f.now().Add(f.hideNew)
	}
}

// newID is an ID of EC2's long form: a prefix and 17 hex digits.
func (f *Fake) newID(prefix string) string {
	for {
		id := fmt.Sprintf("%s-0%016x", prefix, f.rng.Uint64())
		if f.objects[id] == nil {
			return id
		}
	}
}

func (f *Fake) register(r resource) { f.objects[r.base().id] = r }

// find looks up an object a request names by ID: unknown and hidden IDs
// are the ID's X.NotFound error.
func find[T resource](f *Fake, table map[string]T, id string) (T, *apiError) {
	obj, ok := table[id]
	if !ok || f.now().Before(obj.base().hiddenUntil) {
		var zero T
		return zero, notFound(id)
	}
	return obj, nil
}

// sorted lists a table in creation order, the order Describe calls use.
func sorted[T resource](table map[string]T) []T {
	out := slices.Collect(maps.Values(table))
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(a.base().seq, b.base().seq) })
	return out
}

// selectIDs answers the ID list of a Describe call (VpcId.N…): those
// objects, or all of them when the list is empty. An unknown ID fails the
// whole request, as at EC2.
func selectIDs[T resource](f *Fake, table map[string]T, ids []string) ([]T, *apiError) {
	if len(ids) == 0 {
		return sorted(table), nil
	}
	var out []T
	var missing []string
	for _, id := range ids {
		obj, err := find(f, table, id)
		if err != nil {
			missing = append(missing, id)
			continue
		}
		if !slices.ContainsFunc(out, func(o T) bool { return o.base().id == id }) {
			out = append(out, obj)
		}
	}
	if len(missing) > 0 {
		err := notFound(missing[0])
		if len(missing) > 1 {
			err.message = strings.Replace(err.message, "'"+missing[0]+"'", "'"+strings.Join(missing, ", ")+"'", 1)
		}
		return nil, err
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(a.base().seq, b.base().seq) })
	return out, nil
}

// A tokenUse is what a request with a ClientToken made.
type tokenUse struct {
	fingerprint string // the request's other parameters
	id          string // what it made
}

// idempotent looks up the ClientToken of a request: the ID of what an
// earlier request with the token made ("" if none), or
// IdempotentParameterMismatch when that request asked something else.
func (f *Fake) idempotent(action string, p params) (string, *apiError) {
	token := p.str("ClientToken")
	if token == "" {
		return "", nil
	}
	use, ok := f.tokens[action+"\x00"+token]
	if !ok {
		return "", nil
	}
	if use.fingerprint != p.fingerprint() {
		return "", errorf("IdempotentParameterMismatch", "Client token '%s' was used in a previous request with different parameters.", token)
	}
	return use.id, nil
}

// remember records what a request with a ClientToken made.
func (f *Fake) remember(action string, p params, id string) {
	if token := p.str("ClientToken"); token != "" {
		f.tokens[action+"\x00"+token] = tokenUse{p.fingerprint(), id}
	}
}

// advance brings every operation whose time is up to its end: instances
// to running, stopped or terminated, volumes to available, attachments to
// attached or gone; and forgets instances terminated long ago. Requests
// and accessors call it first, so state is as it would be now. The caller
// holds f.mu.
func (f *Fake) advance() {
	now := f.now()
	for _, i := range sorted(f.instances) {
		f.advanceInstance(i, now)
	}
	for _, v := range sorted(f.volumes) {
		f.advanceVolume(v, now)
	}
}

// due is when an operation started now ends.
func (f *Fake) due() time.Time { return f.now().Add(f.opTime) }
