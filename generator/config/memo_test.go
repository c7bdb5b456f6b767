package config

import "testing"

// Memo computes once per key and deployment, and a computation may use
// Memo itself.
func TestMemo(t *testing.T) {
	var d, other Deployment
	calls := 0
	count := func() any { calls++; return calls }
	if d.Memo("a", count) != 1 || d.Memo("a", count) != 1 || calls != 1 {
		t.Fatalf("computed %d times", calls)
	}
	if d.Memo("b", count) != 2 || other.Memo("a", count) != 3 {
		t.Error("keys or deployments share a value")
	}
	nested := d.Memo("outer", func() any { return d.Memo("inner", func() any { return "x" }).(string) + "y" })
	if nested != "xy" {
		t.Errorf("nested = %v", nested)
	}
}
