package tests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
)

// TestApplyDeploysBareMetal runs the freecloud binary against stand-in
// hosts: plan shows a deploy and the first contact, apply refuses a host
// without NixOS but pins its key, deploys once NixOS is there, records key
// and hash in state, deploys again when a service changes, and refuses a
// host that presents another key.
func TestApplyDeploysBareMetal(t *testing.T) {
	bin, err := exec.LookPath("freecloud") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	h := sshhost.Start(t)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), h.ClientKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(host *sshhost.Host, exporterPort int) {
		t.Helper()
		conf := fmt.Sprintf(`deployment "lab" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "127.0.0.1"
  port     = %d
  user     = %q
  country  = "DE"
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.nas1
  with    = { port = %d }
}
`, host.Port, host.User, exporterPort)
		if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// run runs freecloud against host and returns its output and exit code.
	run := func(host *sshhost.Host, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "FREECLOUD_DEPLOY_ROOT="+host.Root)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return out.String(), cmd.ProcessState.ExitCode()
	}
	expect := func(out string, code, wantCode int, wants ...string) {
		t.Helper()
		if code != wantCode {
			t.Errorf("exit %d, want %d", code, wantCode)
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q", w)
			}
		}
		if t.Failed() {
			t.Fatalf("output:\n%s", out)
		}
	}
	host := func() *state.Host {
		t.Helper()
		st, err := state.ForDeployment(dir).Read()
		if err != nil || st == nil || st.Host("nas1") == nil {
			t.Fatalf("state has no host.nas1: %v", err)
		}
		return st.Host("nas1")
	}

	write(h, 9100)
	out, code := run(h, "plan", "--detailed-exitcode")
	expect(out, code, 2, "~ host.nas1 will be deployed", "host key will be trusted on first use", "1 to deploy.")

	// Not NixOS yet: the key is trusted and pinned all the same.
	nixosMarker := filepath.Join(h.Root, "etc", "NIXOS")
	if err := os.Remove(nixosMarker); err != nil {
		t.Fatal(err)
	}
	h.On("nixos-version", sshhost.Reply{Stderr: "nixos-version: command not found\n", Exit: 127})
	out, code = run(h, "apply", "--auto-approve")
	expect(out, code, 1, "host key trusted on first use", "nas1 does not run NixOS: installing it is not implemented yet; install NixOS and run apply again")
	if got := host(); got.SSHHostKey != h.HostKey || got.Deployed != "" {
		t.Fatalf("after a failed first contact: %+v", got)
	}

	if err := os.WriteFile(nixosMarker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.On("nixos-version", sshhost.Reply{Stdout: "26.05\n"}) // newest rule wins
	out, code = run(h, "apply", "--auto-approve")
	expect(out, code, 0, "host.nas1: deployed", "host.nas1: upload…", "host.nas1  deployed")
	first := host().Deployed
	if first == "" {
		t.Fatal("state records no deployed hash")
	}
	if !strings.Contains(strings.Join(h.Commands(), "\n"), "systemctl is-active prometheus-node-exporter.service") {
		t.Errorf("the service's health unit was not checked:\n%s", strings.Join(h.Commands(), "\n"))
	}
	out, code = run(h, "plan", "--detailed-exitcode")
	expect(out, code, 0, "No changes.")

	saved := filepath.Join(t.TempDir(), "before.plan")
	run(h, "plan", "--out", saved)
	write(h, 9101)
	out, code = run(h, "apply", "--auto-approve", saved)
	expect(out, code, 1, "can no longer be applied: the hosts' configurations changed since it was made")
	out, code = run(h, "plan")
	expect(out, code, 0, "~ host.nas1 will be deployed (configuration changed)")
	if strings.Contains(out, "first use") {
		t.Errorf("the key is pinned, yet the plan speaks of first use:\n%s", out)
	}
	out, code = run(h, "apply", "--auto-approve")
	expect(out, code, 0, "host.nas1: deployed")
	if second := host().Deployed; second == first || second == "" {
		t.Errorf("deployed hash after the change: %q (was %q)", second, first)
	}

	// Another machine answers at the address: its key is refused.
	other := sshhost.Start(t)
	write(other, 9102)
	out, code = run(other, "apply", "--auto-approve")
	expect(out, code, 1, "host key of machine nas1", fingerprint(t, h.HostKey), fingerprint(t, other.HostKey))
	if got := host(); got.SSHHostKey != h.HostKey {
		t.Errorf("the pinned key changed: %+v", got)
	}
}

func fingerprint(t *testing.T, authorizedKey string) string {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(key)
}
