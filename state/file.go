package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A File stores state in a local JSON file, keeping the previous version
// next to it (<path>.backup).
type File struct {
	Path string

	// usable is set once the file is known to be ours and readable (read
	// or written by this process), so writes need not read it again.
	usable bool
}

// Dir is where a deployment keeps its state and lock, relative to the
// deployment directory.
const Dir = ".freecloud"

// ForDeployment returns the state file of the deployment in dir.
func ForDeployment(dir string) *File {
	return &File{Path: filepath.Join(dir, Dir, "state.json")}
}

// ErrCorrupt wraps every error about a state file that exists but cannot
// be used; such a file is never overwritten.
var ErrCorrupt = errors.New("unusable state file")

// Read returns the stored state, or nil (and no error) when there is none
// yet.
func (f *File) Read() (*State, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid state (%s). It was left untouched: repair it, or restore %s.backup",
			ErrCorrupt, f.Path, jsonError(data, err), filepath.Base(f.Path))
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %s. It was left untouched", ErrCorrupt, f.Path, err)
	}
	f.usable = true
	return &s, nil
}

// Write stores s with its serial increased: into a temporary file in the
// same directory, flushed to disk, then renamed over the old file, whose
// previous content is kept as <path>.backup. A crash leaves either the old
// or the new state, never a mix.
func (f *File) Write(s *State) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("refusing to write invalid state: %s", err)
	}
	if err := f.refuseOverwritingUnusable(); err != nil {
		return err
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s.Serial++
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		s.Serial--
		return err
	}
	data = append(data, '\n')
	tmp, err := os.CreateTemp(dir, ".state-*.json")
	if err != nil {
		s.Serial--
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.Serial--
		return err
	}
	if err := copyFile(f.Path, f.Path+".backup"); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.Serial--
		return err
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		s.Serial--
		return err
	}
	f.usable = true
	return syncDir(dir)
}

// refuseOverwritingUnusable keeps a corrupt or foreign state file intact.
// It reads the file only until this process has read or written it.
func (f *File) refuseOverwritingUnusable() error {
	if f.usable {
		return nil
	}
	_, err := f.Read()
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// jsonError says where in the file a JSON error is.
func jsonError(data []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:min(int(offset), len(data))], []byte("\n"))
	return fmt.Sprintf("line %d: %s", line, err)
}
