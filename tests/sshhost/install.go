package sshhost

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"strings"
)

// BecomeDebian makes the host look like a fresh server that does not run
// NixOS yet (a cloud provider's Debian image, or bare metal): an
// /etc/os-release of Debian, no /etc/NIXOS, no system profile.
func (h *Host) BecomeDebian() {
	h.t.Helper()
	h.shell(`fake_os_release debian
rm -f "$FAKE_ROOT/run/current-system" "$FAKE_ROOT/nix/var/nix/profiles/system"`)
}

// BecomeInstaller makes the host look like it was kexec'd into NixOS's
// installer already (an install interrupted after that step).
func (h *Host) BecomeInstaller() {
	h.t.Helper()
	h.shell(`fake_os_release installer`)
}

// shell runs script with the fakes' library loaded, as the fakes do.
func (h *Host) shell(script string) {
	h.t.Helper()
	cmd := exec.Command("sh", "-c", "FAKE_ROOT="+shellQuote(h.Root)+"\n. \"$FAKE_ROOT/fake/lib.sh\"\n"+script)
	if out, err := cmd.CombinedOutput(); err != nil {
		h.t.Fatalf("sshhost: %v: %s", err, out)
	}
}

// CurrentHostKey is the public host key sshd presents now, in
// authorized_keys format: after an install's reboot, the key generated
// during the install.
func (h *Host) CurrentHostKey() string {
	h.t.Helper()
	out, err := exec.Command("ssh-keygen", "-y", "-f", h.path("sshd", "host_ed25519")).Output()
	if err != nil {
		h.t.Fatalf("sshhost: reading the host key: %v", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		h.t.Fatalf("sshhost: ssh-keygen -y printed %q", out)
	}
	return fields[0] + " " + fields[1]
}

// InstallerTarball is a stand-in for nixos-images' kexec installer
// tarball: kexec/run loads a "kernel" and, a moment after returning, runs
// kexec -e, which the fake kexec turns into "the installer is running".
func InstallerTarball() []byte {
	run := `#!/bin/sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
kexec --load "$here/bzImage" --initrd="$here/initrd"
echo "machine will boot into nixos in 1s..."
setsid sh -c 'sleep 1; kexec -e' </dev/null >/dev/null 2>&1 &
`
	files := []struct {
		name string
		mode int64
		body string
	}{
		{"kexec/run", 0o755, run},
		{"kexec/bzImage", 0o644, "not a kernel"},
		{"kexec/initrd", 0o644, "not an initrd"},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			panic(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// Exists tells whether a path below the host's root exists.
func (h *Host) Exists(rel string) bool {
	_, err := os.Lstat(h.path(rel))
	return err == nil
}

// ReadFile reads a file below the host's root.
func (h *Host) ReadFile(rel string) []byte {
	h.t.Helper()
	data, err := os.ReadFile(h.path(rel))
	if err != nil {
		h.t.Fatal(err)
	}
	return data
}

// HostKeyFile is the private key behind CurrentHostKey, as a host's own
// key that decrypts what was sealed to it (a NixOS host's
// /etc/ssh/ssh_host_ed25519_key).
func (h *Host) HostKeyFile() string { return h.path("sshd", "host_ed25519") }
