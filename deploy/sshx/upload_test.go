package sshx_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/tests/sshhost"
)

// remoteTree reads the uploaded directory straight from the stand-in
// host's disk.
func remoteTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			t.Errorf("%s is not a regular file", path)
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		tree[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func sameTree(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s differs on the host: %q, want %q", name, got[name], data)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is on the host but not in the tree", name)
		}
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	ctx := context.Background()
	dir := filepath.Join(h.Root, "var/lib/freecloud/flake")

	tree := map[string][]byte{
		"flake.nix":                    []byte("{ outputs = _: { }; }\n"),
		"flake.lock":                   []byte("{}\n"),
		"hosts/web1/configuration.nix": []byte("{ ... }: { networking.hostName = \"web1\"; }\n"),
		"hosts/web1/hardware.nix":      []byte("{ }\n"),
		"hosts/web2/configuration.nix": []byte("{ }\n"),
		"modules/it's odd.nix":         []byte("# a name the shell must quote\n"),
		"empty":                        {},
	}
	first, err := c.Upload(ctx, dir, tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Sent) != len(tree) || len(first.Removed) != 0 {
		t.Errorf("first upload: %+v; want all %d files sent", first, len(tree))
	}
	sameTree(t, remoteTree(t, dir), tree)

	// Change one file, add one, drop a whole machine, and litter the
	// remote directory with a symlink.
	tree["hosts/web1/configuration.nix"] = []byte("{ ... }: { networking.hostName = \"web1-renamed\"; }\n")
	tree["modules/new.nix"] = []byte("{ }\n")
	delete(tree, "hosts/web2/configuration.nix")
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "modules/link.nix")); err != nil {
		t.Fatal(err)
	}
	second, err := c.Upload(ctx, dir, tree)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"hosts/web1/configuration.nix", "modules/new.nix"}; !reflect.DeepEqual(second.Sent, want) {
		t.Errorf("second upload sent %q, want only the changed files %q", second.Sent, want)
	}
	if want := []string{"hosts/web2/configuration.nix"}; !reflect.DeepEqual(second.Removed, want) || second.Unchanged != len(tree)-2 {
		t.Errorf("second upload removed %q (unchanged %d), want %q (%d)", second.Removed, second.Unchanged, want, len(tree)-2)
	}
	sameTree(t, remoteTree(t, dir), tree)
	if _, err := os.Stat(filepath.Join(dir, "hosts/web2")); !os.IsNotExist(err) {
		t.Errorf("the emptied directory hosts/web2 is still there: %v", err)
	}
	for _, leftover := range []string{dir + ".new", dir + ".old"} {
		if _, err := os.Stat(leftover); !os.IsNotExist(err) {
			t.Errorf("%s left behind", leftover)
		}
	}

	third, err := c.Upload(ctx, dir, tree)
	if err != nil || len(third.Sent)+len(third.Removed) != 0 {
		t.Errorf("unchanged upload: %+v, %v; want nothing sent", third, err)
	}
}

func TestUploadRecoversAnInterruptedSwap(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	ctx := context.Background()
	dir := filepath.Join(h.Root, "flake")
	tree := map[string][]byte{"a.nix": []byte("a\n"), "b.nix": []byte("b\n")}
	if _, err := c.Upload(ctx, dir, tree); err != nil {
		t.Fatal(err)
	}
	// Interrupted between the two renames: only flake.old is left.
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	tr, err := c.Upload(ctx, dir, tree)
	if err != nil || len(tr.Sent) != 0 {
		t.Errorf("upload after an interrupted swap: %+v, %v; want the old directory restored and nothing sent", tr, err)
	}
	sameTree(t, remoteTree(t, dir), tree)
}

func TestUploadRefusesEscapingPaths(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	for _, name := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", "a\nb"} {
		_, err := c.Upload(context.Background(), filepath.Join(h.Root, "flake"), map[string][]byte{name: nil})
		if err == nil || !strings.Contains(err.Error(), "web1: upload") {
			t.Errorf("Upload of %q: %v; want a refusal", name, err)
		}
	}
}
