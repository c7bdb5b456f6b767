package nixtest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a helper ended the test instead
// of ending the real one.
type recorder struct {
	testing.TB
	ended string // "fatal: ..." or "skip: ..."
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.ended = "fatal: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.ended = "skip: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// outcome calls f with a recorder in its own goroutine, as the testing package
// does, so that Goexit ends only f.
func outcome(t *testing.T, f func(testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.ended
}

func TestRequireMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "true")
	if got := outcome(t, func(tb testing.TB) { Require(tb) }); !strings.HasPrefix(got, "fatal: nix-instantiate is required on CI") {
		t.Errorf("on CI: %q", got)
	}
	t.Setenv("CI", "")
	if got := outcome(t, func(tb testing.TB) { Require(tb) }); !strings.HasPrefix(got, "skip: ") {
		t.Errorf("off CI: %q", got)
	}
}

func TestParseFiles(t *testing.T) {
	Require(t)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"good.nix":    "{ pkgs, ... }: { environment.systemPackages = [ pkgs.htop ]; }\n",
		"bad.nix":     "{ a = ; }\n",
		"unbound.nix": "{ a = pkgs.htop; }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ParseFiles(t, dir, "good.nix")
	for _, bad := range []string{"bad.nix", "unbound.nix"} {
		got := outcome(t, func(tb testing.TB) { ParseFiles(tb, dir, "good.nix", bad) })
		if !strings.HasPrefix(got, "fatal: ") || !strings.Contains(got, bad) {
			t.Errorf("%s: %q", bad, got)
		}
	}
}

func TestEvalJSON(t *testing.T) {
	Require(t)
	file := filepath.Join(t.TempDir(), "a.nix")
	if err := os.WriteFile(file, []byte(`{ b = [ 1 "x" ]; a = null; }`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(EvalJSON(t, file))), `{"a":null,"b":[1,"x"]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
