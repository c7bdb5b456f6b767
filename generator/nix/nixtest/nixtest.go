// Package nixtest lets tests check generated Nix with the real Nix tools.
//
// Tests that need Nix call Require first. Where nix-instantiate is missing
// they are skipped on a developer machine, but they fail on CI (CI=true), so
// that a broken CI image cannot quietly turn the checks off.
package nixtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Require returns the path of nix-instantiate. If it is not on PATH, the
// test is skipped, or fails when the environment variable CI is "true".
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("nix-instantiate")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix-instantiate is required on CI: %v", err)
	}
	t.Skipf("nix-instantiate not found, skipping: %v", err)
	return ""
}

// ParseFiles runs nix-instantiate --parse on the named files in dir, all in
// one process, and fails the test with Nix's message if any does not parse.
// Besides syntax, --parse checks scoping: a variable that is not bound (for
// example pkgs used outside a module function) is an error too.
func ParseFiles(t testing.TB, dir string, files ...string) {
	t.Helper()
	if len(files) == 0 {
		return
	}
	args := []string{"--parse"}
	for _, f := range files {
		args = append(args, filepath.Join(dir, f))
	}
	run(t, fmt.Sprintf("--parse (%d files)", len(files)), args...)
}

// EvalJSON evaluates the Nix file at path strictly and returns its value as
// JSON, failing the test with Nix's message if evaluation fails.
func EvalJSON(t testing.TB, path string) []byte {
	t.Helper()
	return run(t, "--eval --strict --json "+path, "--eval", "--strict", "--json", path)
}

// run runs nix-instantiate with args; what describes them in a failure.
func run(t testing.TB, what string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(Require(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nix-instantiate %s: %v\n%s", what, err, stderr.Bytes())
	}
	return stdout.Bytes()
}
