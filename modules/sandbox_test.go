package modules

import (
	"os"
	"path/filepath"
	"testing"
)

// A sandboxDir is the temporary root a module's scripts run in, with
// fake commands standing in for the host's: paths are relative to it.
type sandboxDir struct {
	t    *testing.T
	root string
}

func (s sandboxDir) path(p string) string { return filepath.Join(s.root, p) }

func (s sandboxDir) read(p string) string {
	s.t.Helper()
	data, err := os.ReadFile(s.path(p))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(data)
}

func (s sandboxDir) exists(p string) bool {
	_, err := os.Stat(s.path(p))
	return err == nil
}
