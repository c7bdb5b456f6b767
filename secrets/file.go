package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes a ciphertext to rel (slash-separated, as File returns)
// below the deployment directory, atomically: a temporary file in the same
// directory, synced, then renamed over the old one, so that an
// interrupted write never leaves half a ciphertext to commit. The file is
// 0644: a ciphertext is meant to be committed and read.
//
// WriteFile refuses anything that is not an age file, so that a mistake
// upstream can never put a secret on disk in clear, and any rel that
// leaves the deployment directory (through .. or a symbolic link).
func WriteFile(deploymentDir, rel string, ciphertext []byte) (err error) {
	name := filepath.FromSlash(rel)
	if !filepath.IsLocal(name) || filepath.Ext(name) != ".age" {
		return fmt.Errorf("refusing to write %q: a ciphertext is a .age file below the deployment directory", rel)
	}
	if _, err := parseHeader(ciphertext); err != nil {
		return fmt.Errorf("refusing to write %s: %v; only age ciphertext is written there, so that a secret never lands on disk in clear", rel, err)
	}
	root, err := os.OpenRoot(deploymentDir)
	if err != nil {
		return fmt.Errorf("opening the deployment directory: %w", err)
	}
	defer root.Close()
	dir := filepath.Dir(name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Join(deploymentDir, dir), err)
	}

	var suffix [8]byte
	rand.Read(suffix[:])
	tmp := filepath.Join(dir, "."+filepath.Base(name)+".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()
	if _, err := f.Write(ciphertext); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	// The umask may have taken bits off; a ciphertext is for everyone.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	if err := root.Rename(tmp, name); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(deploymentDir, name), err)
	}
	syncDir(root, dir)
	return nil
}

// syncDir makes the rename durable, as far as the filesystem allows: some
// cannot sync a directory, and the file itself is safe by then, so a
// failure here is not the operator's problem.
func syncDir(root *os.Root, dir string) {
	d, err := root.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
