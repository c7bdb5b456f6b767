package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	rel := File("web1", "mail", "smtp_password")
	if rel != "secrets/web1/mail.smtp_password.age" {
		t.Fatalf("File = %q", rel)
	}
	host := newEd25519(t, "").public
	for i := range 2 { // create, then replace
		ct := mustSeal(t, secret, host)
		if err := WriteFile(dir, rel, ct); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(got) != string(ct) {
			t.Fatalf("write %d: file holds %q, %v", i, got, err)
		}
	}
	info, err := os.Stat(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "secrets", "web1"))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want the ciphertext only (no temporary file left)", names)
	}
}

func TestWriteFileRefusesPlaintext(t *testing.T) {
	dir := t.TempDir()
	rel := File("web1", "mail", "smtp_password")
	for name, data := range map[string][]byte{
		"plaintext": []byte(secret),
		"empty":     nil,
		"header":    []byte("age-encryption.org/v1\n" + secret),
	} {
		err := WriteFile(dir, rel, data)
		if err == nil {
			t.Fatalf("%s: written", name)
		}
		if !strings.Contains(err.Error(), "refusing") || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error %q", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, Dir)); !os.IsNotExist(err) {
		t.Errorf("something was written: %v", err)
	}
}

func TestWriteFileStaysInTheDeployment(t *testing.T) {
	dir := t.TempDir()
	ct := mustSeal(t, secret, newEd25519(t, "").public)
	for _, rel := range []string{"../x.age", "/tmp/x.age", "secrets/../../x.age", "secrets/web1/x.txt", ""} {
		if err := WriteFile(dir, rel, ct); err == nil {
			t.Errorf("%q: written", rel)
		}
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, Dir)); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, File("web1", "a", "b"), ct); err == nil {
		t.Error("written through a symbolic link out of the deployment directory")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Error("a file was written outside the deployment directory")
	}
}
