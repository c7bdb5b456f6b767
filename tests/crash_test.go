package tests

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/freecloud/freecloud/state"
	"golang.org/x/crypto/ssh"
)

// TestApplySurvivesBeingKilled kills apply at many points (after the Nth
// request reached the provider), then re-runs it until plan reports no
// changes. However the process died, the provider must end up with
// exactly the deployment's resources, none twice, and state must be valid
// and agree with the provider.
func TestApplySurvivesBeingKilled(t *testing.T) {
	bin, err := exec.LookPath("freecloud") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	fake := hcloudfake.New(t, hcloudfake.Options{ActionDuration: 30 * time.Millisecond})
	for _, killAfter := range []int{2, 5, 8, 11, 14, 18, 23, 30} {
		t.Run(fmt.Sprintf("killed after %d requests", killAfter), func(t *testing.T) {
			name := fmt.Sprintf("crash%d", killAfter)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.fc.hcl"), []byte(crashDeployment(t, name)), 0o644); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) (*exec.Cmd, *bytes.Buffer) {
				cmd := exec.Command(bin, append([]string{"-C", dir}, args...)...)
				cmd.Env = append(os.Environ(), "HCLOUD_ENDPOINT="+fake.URL(), "HCLOUD_TOKEN="+fake.Token(), "HCLOUD_POLL_INTERVAL=10ms", "NO_COLOR=1")
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				return cmd, &out
			}

			start := fake.Requests()
			cmd, out := run("apply", "--auto-approve", "--infra-only")
			defer func() {
				if t.Failed() {
					t.Logf("first apply:\n%s", out.String())
				}
			}()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			killed := false
		wait:
			for {
				select {
				case <-done:
					break wait
				case <-time.After(2 * time.Millisecond):
					if !killed && fake.Requests()-start >= killAfter {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						killed = true
					}
				}
			}
			t.Logf("killed=%v after %d requests", killed, fake.Requests()-start)

			for attempt := 1; ; attempt++ {
				cmd, out = run("plan", "--detailed-exitcode", "--infra-only")
				err := cmd.Run()
				var exit *exec.ExitError
				if err == nil {
					break
				}
				if !errors.As(err, &exit) || exit.ExitCode() != 2 || attempt > 4 {
					t.Fatalf("plan after %d re-runs: %v\n%s", attempt-1, err, out.String())
				}
				cmd, out = run("apply", "--auto-approve", "--infra-only")
				if err := cmd.Run(); err != nil {
					t.Fatalf("apply re-run %d: %v\n%s", attempt, err, out)
				}
			}

			byKind := map[string][]string{}
			for _, kind := range hcloudfake.Kinds {
				for _, o := range fake.Objects(kind) {
					if o.Labels["freecloud/deployment"] == name {
						byKind[kind] = append(byKind[kind], o.Name)
					}
				}
			}
			want := map[string]int{"servers": 3, "firewalls": 3, "primary_ips": 6, "ssh_keys": 1, "volumes": 1, "networks": 1}
			for kind, n := range want {
				names := byKind[kind]
				sort.Strings(names)
				if len(names) != n || hasDuplicates(names) {
					t.Errorf("%s at the provider: %v, want %d distinct", kind, names, n)
				}
			}
			st, err := state.ForDeployment(dir).Read()
			if err != nil || st == nil {
				t.Fatalf("state after convergence: %v", err)
			}
			total := 0
			for _, n := range want {
				total += n
			}
			if len(st.Resources) != total {
				t.Errorf("state has %d resources, the provider %d: %v", len(st.Resources), total, st.Addresses())
			}
		})
	}
}

func hasDuplicates(sorted []string) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// crashDeployment is three machines, one with a data disk. Each
// deployment gets an admin key of its own: Hetzner holds a key once per
// project, and the subtests share one.
func crashDeployment(t *testing.T, name string) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	var b strings.Builder
	fmt.Fprintf(&b, "deployment %q {}\nprovider \"hetzner\" \"eu\" {}\n", name)
	for i := 1; i <= 3; i++ {
		disks := ""
		if i == 1 {
			disks = `disks = [{ name = "data", size = 20 }]`
		}
		fmt.Fprintf(&b, `machine "web%d" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  admins   = ["%s ops@%s"]
  %s
}
`, i, key, name, disks)
	}
	return b.String()
}
