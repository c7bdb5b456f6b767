package secrets

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireAge returns the path of the age command, which hosts decrypt
// with (modules/secrets.nix runs pkgs.age). Skipped where it is missing,
// except on CI, where tests/run installs Debian's age.
func requireAge(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("age")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the age command is required on CI: %v", err)
	}
	t.Skipf("age not found, skipping: %v", err)
	return ""
}

// The real age command opens what Seal wrote, given a host's OpenSSH
// private key as ssh-keygen writes it — the way a host decrypts its
// secrets (age --decrypt -i /etc/ssh/ssh_host_ed25519_key), armor
// detected by itself. And rsa host keys, which hosts without an ed25519
// key fall back to.
func TestTheAgeCommandOpensSeal(t *testing.T) {
	ageBin := requireAge(t)
	for _, keyType := range []string{"ed25519", "rsa"} {
		t.Run(keyType, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "ssh_host_"+keyType+"_key")
			if out, err := exec.Command("ssh-keygen", "-q", "-t", keyType, "-N", "", "-C", "", "-f", key).CombinedOutput(); err != nil {
				t.Fatalf("ssh-keygen: %v\n%s", err, out)
			}
			pub, err := os.ReadFile(key + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			value := []byte("SMTP_PASSWORD=p4ss\nwith a second line\n")
			sealed, err := Seal(value, strings.TrimSpace(string(pub)), nil)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "mail.smtp.age")
			if err := os.WriteFile(file, sealed, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(ageBin, "--decrypt", "-i", key, file)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("age --decrypt: %v\n%s", err, stderr.String())
			}
			if !bytes.Equal(stdout.Bytes(), value) {
				t.Errorf("age decrypted %q, want %q", stdout.Bytes(), value)
			}

			// Sealed to another host: age refuses, as the module's
			// message about re-sealing expects.
			other := filepath.Join(dir, "other")
			if out, err := exec.Command("ssh-keygen", "-q", "-t", keyType, "-N", "", "-C", "", "-f", other).CombinedOutput(); err != nil {
				t.Fatalf("ssh-keygen: %v\n%s", err, out)
			}
			out, err := exec.Command(ageBin, "--decrypt", "-i", other, file).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "no identity matched any of the recipients") {
				t.Errorf("age with another host's key: %v\n%s", err, out)
			}
		})
	}
}
