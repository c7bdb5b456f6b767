package sshhost_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

func connect(t *testing.T, h *sshhost.Host) *sshx.Conn {
	t.Helper()
	policy, err := sshx.Pinned(h.HostKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sshx.Connect(context.Background(), sshx.Target{Machine: "stand-in", Host: h.Addr, Port: h.Port, User: h.User, HostKey: policy}, sshx.SignerAuth(h.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func run(t *testing.T, c *sshx.Conn, cmd string) string {
	t.Helper()
	r, err := c.Run(context.Background(), "test", cmd)
	if err != nil {
		t.Fatal(err)
	}
	return string(r.Stdout)
}

func TestFakesRecordAndObeyRules(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	h.On("systemctl is-active web.service", sshhost.Reply{Stdout: "failed\n", Exit: 3})
	h.On("systemctl is-active *", sshhost.Reply{Stdout: "activating\n"}) // newer, wins for any unit

	if out := run(t, c, "systemctl is-active web.service || true"); out != "activating\n" {
		t.Errorf("newest rule: %q", out)
	}
	if out := run(t, c, "systemctl is-system-running"); out != "running\n" {
		t.Errorf("default: %q", out)
	}
	_, err := c.Run(context.Background(), "test", "curl -w '%{http_code}' 'http://x/a b'")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"systemctl is-active web.service", "systemctl is-system-running", "curl -w '%{http_code}' 'http://x/a b'"}
	if got := h.Commands(); !reflect.DeepEqual(got, want) {
		t.Errorf("recorded %q, want %q", got, want)
	}
	if calls := h.Calls(); calls[0].Conn == "" || calls[0].Conn != calls[2].Conn {
		t.Errorf("connections of the calls: %+v", calls)
	}
}

func TestFakeSystem(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	flake := filepath.Join(h.Root, "flake")
	os.MkdirAll(flake, 0o755)
	os.WriteFile(filepath.Join(flake, "flake.nix"), []byte("{}"), 0o644)

	run(t, c, "cd "+sshx.Quote(h.Root)+" && nixos-rebuild build --flake "+sshx.Quote(flake+"#m"))
	if got := h.CurrentSystem(); got != "/nix/store/fake-1-system" {
		t.Fatalf("a build switched: %s", got)
	}
	run(t, c, "nixos-rebuild switch --flake "+sshx.Quote(flake+"#m"))
	if got := h.CurrentSystem(); got != "/nix/store/fake-2-system" {
		t.Fatalf("after switch: %s", got)
	}

	// A timer fires after its delay; a stopped one never does.
	back := "nix-env -p " + sshx.Quote(filepath.Join(h.Root, "nix/var/nix/profiles/system")) + " --set " + sshx.Quote(h.Generation(1)) +
		" && " + sshx.Quote(h.Generation(1)+"/bin/switch-to-configuration") + " switch"
	run(t, c, "systemd-run --unit=stopped --on-active=1s sh -c "+sshx.Quote("touch "+sshx.Quote(filepath.Join(h.Root, "stopped-fired"))))
	if out := run(t, c, "systemctl is-active stopped.timer"); out != "active\n" {
		t.Errorf("armed timer is %q", out)
	}
	run(t, c, "systemctl stop stopped.timer")
	if _, err := c.Run(context.Background(), "test", "systemctl is-active stopped.timer"); !errors.Is(err, sshx.ErrExit) {
		t.Errorf("stopped timer: %v, want inactive", err)
	}
	run(t, c, "systemd-run --unit=rollback --on-active=1s sh -c "+sshx.Quote(back))
	deadline := time.Now().Add(5 * time.Second)
	for h.CurrentSystem() != "/nix/store/fake-1-system" {
		if time.Now().After(deadline) {
			t.Fatalf("the timer did not fire; calls %q", h.Commands())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(h.Root, "stopped-fired")); err == nil {
		t.Error("a stopped timer fired")
	}
}

func TestFakeDisks(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	dev := func(name string) string { return sshx.Quote(h.Root + "/dev/" + name) }
	h.AttachDisk("/dev/sdb")
	h.AttachDisk("/dev/sdc", "TYPE=xfs", "LABEL=old")

	// blkid: blank (2, silent), missing (2, an error), holding something (0).
	for _, tc := range []struct {
		dev, stdout, stderr string
		exit                int
	}{
		{"sdb", "", "", 2},
		{"sdx", "", "blkid: error: " + h.Root + "/dev/sdx: No such file or directory", 2},
		{"sdc", "DEVNAME=" + h.Root + "/dev/sdc\nTYPE=xfs\nLABEL=old\n", "", 0},
	} {
		r, err := c.Run(context.Background(), "test", "blkid -p -o export "+dev(tc.dev))
		if r.ExitCode != tc.exit || string(r.Stdout) != tc.stdout || strings.TrimSpace(string(r.Stderr)) != tc.stderr {
			t.Errorf("blkid %s: exit %d, stdout %q, stderr %q (%v); want %d, %q, %q", tc.dev, r.ExitCode, r.Stdout, r.Stderr, err, tc.exit, tc.stdout, tc.stderr)
		}
	}

	// mkfs.ext4 formats a blank disk, with the label blkid then reports,
	// and refuses a disk that holds something or is missing.
	run(t, c, "mkfs.ext4 -L nextcloud "+dev("sdb"))
	if tags, ok := h.Disk("/dev/sdb"); !ok || tags["TYPE"] != "ext4" || tags["LABEL"] != "nextcloud" {
		t.Errorf("after mkfs.ext4: %v, %v", tags, ok)
	}
	if out := run(t, c, "blkid -p -o export "+dev("sdb")); !strings.Contains(out, "LABEL=nextcloud\n") || !strings.Contains(out, "TYPE=ext4\n") {
		t.Errorf("blkid after mkfs.ext4: %q", out)
	}
	for _, d := range []string{"sdb", "sdc", "sdx"} {
		if _, err := c.Run(context.Background(), "test", "mkfs.ext4 -L other "+dev(d)); !errors.Is(err, sshx.ErrExit) {
			t.Errorf("mkfs.ext4 of %s: %v, want a failure", d, err)
		}
	}
	if tags, _ := h.Disk("/dev/sdc"); tags["TYPE"] != "xfs" || tags["LABEL"] != "old" {
		t.Errorf("the xfs disk now holds %v", tags)
	}
	if tags, ok := h.Disk("/dev/sdx"); ok || tags != nil {
		t.Errorf("a disk appeared at sdx: %v", tags)
	}
	h.AttachDisk("/dev/sdd")
	if tags, ok := h.Disk("/dev/sdd"); !ok || tags != nil {
		t.Errorf("a blank disk: %v, %v", tags, ok)
	}
}
