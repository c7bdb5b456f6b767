package config

import "sync"

// A memoTable keeps what is derived from a loaded deployment alone and
// asked for again and again: a storage service's placement, which every
// member's configuration is rendered from, would otherwise be worked out
// once per member and per render. A deployment is not changed after
// Load, so nothing in it goes stale.
type memoTable struct {
	mu     sync.Mutex
	values map[any]any
}

// Memo returns what compute returns for key, calling it once per
// deployment (twice at worst, when two goroutines ask at once: the first
// answer stays). key is comparable and names the computation and its
// input, like struct{ kind string; s *Service }. compute may itself use
// Memo: no lock is held while it runs.
func (d *Deployment) Memo(key any, compute func() any) any {
	d.memo.mu.Lock()
	v, ok := d.memo.values[key]
	d.memo.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	d.memo.mu.Lock()
	defer d.memo.mu.Unlock()
	if first, ok := d.memo.values[key]; ok {
		return first
	}
	if d.memo.values == nil {
		d.memo.values = map[any]any{}
	}
	d.memo.values[key] = v
	return v
}
