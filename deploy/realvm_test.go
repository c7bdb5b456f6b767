package deploy_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
)

// TestRealVM runs the deploy flow against a real NixOS machine, when
// FREECLOUD_REALVM names one; REAL-VM.md says how to set one up.
func TestRealVM(t *testing.T) {
	addr := os.Getenv("FREECLOUD_REALVM")
	if addr == "" {
		t.Skip("FREECLOUD_REALVM is not set: no real NixOS VM to deploy to (see deploy/REAL-VM.md)")
	}
	machine, flakeDir := os.Getenv("FREECLOUD_REALVM_MACHINE"), os.Getenv("FREECLOUD_REALVM_FLAKE")
	if machine == "" || flakeDir == "" {
		t.Fatal("set FREECLOUD_REALVM_MACHINE and FREECLOUD_REALVM_FLAKE too (see deploy/REAL-VM.md)")
	}
	tgt := realTarget(t, machine, addr)
	tree := readTree(t, flakeDir)
	auth := sshx.DefaultAuth()
	defer auth.Close()
	for _, note := range auth.Notes {
		t.Log(note)
	}
	ctx := context.Background()
	conn, err := sshx.Connect(ctx, tgt, auth)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.TrustedOnFirstUse() {
		t.Logf("host key trusted on first use; pin it with FREECLOUD_REALVM_HOSTKEY=%q", conn.HostKey())
	}
	progress := func(e deploy.Event) { t.Logf("%s %s %s %s %v", e.Machine, e.Step, e.Status, e.Detail, errOrNil(e.Err)) }

	before, err := deploy.Inspect(ctx, conn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before: %+v", before)
	res, err := deploy.Deploy(ctx, conn, machine, tree, deploy.Options{Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deployed %s: %s (was %s), %d files sent", res.Hash, res.System, res.Previous, len(res.Upload.Sent))
	after, err := deploy.Inspect(ctx, conn, "")
	if err != nil || after.Deployed == nil || after.Deployed.Configuration != res.Hash || after.System != res.System {
		t.Fatalf("Inspect after the deploy: %+v, %v", after, err)
	}

	if os.Getenv("FREECLOUD_REALVM_ROLLBACK") != "1" {
		return
	}
	// A check that cannot pass: the deploy must go back to res.System.
	tree["hosts/"+machine+"/configuration.nix"] = append(tree["hosts/"+machine+"/configuration.nix"], "\n# rollback test\n"...)
	_, err = deploy.Deploy(ctx, conn, machine, tree, deploy.Options{
		Progress: progress,
		Checks:   []deploy.Check{{Service: "missing", Unit: "freecloud-realvm-missing.service"}},
		Timeouts: deploy.Timeouts{Health: 10 * time.Second},
	})
	var e *deploy.Error
	if !errors.As(err, &e) || !e.RolledBack {
		t.Fatalf("deploy with a failing check: %v; want a rollback", err)
	}
	t.Logf("failed as it should:\n%s", err)
	back, err := deploy.Inspect(ctx, conn, "")
	if err != nil || back.System != res.System {
		t.Fatalf("after the rollback the host runs %+v (%v), want %s", back, err, res.System)
	}
}

// realTarget reads user@host[:port] and the optional pinned key.
func realTarget(t *testing.T, machine, addr string) sshx.Target {
	t.Helper()
	tgt := sshx.Target{Machine: machine, User: "root", HostKey: sshx.TrustOnFirstUse()}
	if user, rest, ok := strings.Cut(addr, "@"); ok {
		tgt.User, addr = user, rest
	}
	tgt.Host = addr
	if i := strings.LastIndex(addr, ":"); i > 0 && !strings.HasSuffix(addr, "]") {
		port, err := strconv.Atoi(addr[i+1:])
		if err != nil {
			t.Fatalf("FREECLOUD_REALVM=%s: bad port", addr)
		}
		tgt.Host, tgt.Port = strings.Trim(addr[:i], "[]"), port
	}
	if key := os.Getenv("FREECLOUD_REALVM_HOSTKEY"); key != "" {
		tgt.HostKey = pin(t, key)
	}
	return tgt
}

// readTree reads a generated flake directory.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		tree[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func errOrNil(err error) any {
	if err == nil {
		return ""
	}
	return err
}
