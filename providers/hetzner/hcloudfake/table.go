package hcloudfake

import (
	"maps"
	"net/http"
	"slices"
)

// A table holds the objects of one kind by ID and does what every kind
// does the same way: get, list with filters and pages, rename and relabel.
type table[T any] struct {
	one, many string // JSON keys of one object and of a list: "server", "servers"
	rows      map[int64]*T
	// fields points at what every kind has: ID, name and labels.
	fields func(*T) (id int64, name *string, labels *map[string]string)
}

func newTable[T any](one, many string, fields func(*T) (int64, *string, *map[string]string)) *table[T] {
	return &table[T]{one: one, many: many, rows: map[int64]*T{}, fields: fields}
}

func (t *table[T]) add(obj *T) {
	id, _, _ := t.fields(obj)
	t.rows[id] = obj
}

// sorted returns the objects by ID, the API's default order.
func (t *table[T]) sorted() []*T {
	out := make([]*T, 0, len(t.rows))
	for _, id := range slices.Sorted(maps.Keys(t.rows)) {
		out = append(out, t.rows[id])
	}
	return out
}

func (t *table[T]) named(name string) *T {
	for _, obj := range t.rows {
		if _, n, _ := t.fields(obj); *n == name {
			return obj
		}
	}
	return nil
}

// find looks an object up by the {id} of the route.
func (t *table[T]) find(r *http.Request) (*T, *apiError) {
	id, ok := pathID(r)
	if obj := t.rows[id]; ok && obj != nil {
		return obj, nil
	}
	return nil, notFound(t.one)
}

func (t *table[T]) reply(obj *T) response { return ok(map[string]any{t.one: obj}) }

// list answers a list request: name and label_selector filters, keep for
// the kind's own filters (nil keeps everything), then a page.
func (f *Fake) list(t listable, r *http.Request, keep func(id int64) bool) response {
	q := r.URL.Query()
	match, err := listFilters(q)
	if err != nil {
		return err.response()
	}
	return t.page(f.maxPerPage, r, func(id int64, name string, labels map[string]string) bool {
		return match(name, labels) && (keep == nil || keep(id))
	})
}

// listable lets list work on tables of any kind.
type listable interface {
	page(maxPerPage int, r *http.Request, keep func(id int64, name string, labels map[string]string) bool) response
}

func (t *table[T]) page(maxPerPage int, r *http.Request, keep func(int64, string, map[string]string) bool) response {
	var out []*T
	for _, obj := range t.sorted() {
		if id, name, labels := t.fields(obj); keep(id, *name, *labels) {
			out = append(out, obj)
		}
	}
	return page(r.URL.Query(), maxPerPage, t.many, out)
}

// get answers GET /<kind>/{id}.
func (t *table[T]) get(r *http.Request) response {
	obj, err := t.find(r)
	if err != nil {
		return err.response()
	}
	return t.reply(obj)
}

// update answers PUT /<kind>/{id}: a new name, new labels or both.
func (t *table[T]) update(r *http.Request) response {
	obj, err := t.find(r)
	if err != nil {
		return err.response()
	}
	var req struct {
		Name   string             `json:"name"`
		Labels *map[string]string `json:"labels"`
	}
	if err := decode(r, &req); err != nil {
		return err.response()
	}
	_, name, labels := t.fields(obj)
	if req.Name != "" && req.Name != *name {
		if err := checkName(req.Name, t.named(req.Name) != nil); err != nil {
			return err.response()
		}
		*name = req.Name
	}
	if req.Labels != nil {
		l, err := checkLabels(req.Labels)
		if err != nil {
			return err.response()
		}
		*labels = l
	}
	return t.reply(obj)
}

// An Object is what a test sees of an object: its ID, name and labels.
type Object struct {
	ID     int64
	Name   string
	Labels map[string]string
}

func (t *table[T]) objects() []Object {
	var out []Object
	for _, obj := range t.sorted() {
		id, name, labels := t.fields(obj)
		out = append(out, Object{ID: id, Name: *name, Labels: maps.Clone(*labels)})
	}
	return out
}
