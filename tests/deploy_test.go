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
	"time"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
	"github.com/freecloud/freecloud/providers/hetzner/hcloudfake"
	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
)

// TestApplyDeploysBareMetal runs the freecloud binary against a stand-in
// host that runs Debian: plan looks at it over SSH and shows the install,
// its data loss and the host key it presents; apply refuses to erase it
// without consent, then installs NixOS (the host comes back with a key
// generated on it, which state pins), and deploys again when a service
// changes or the host was changed by hand. Another machine at the address
// is refused.
func TestApplyDeploysBareMetal(t *testing.T) {
	h := sshhost.Start(t)
	h.BecomeDebian()
	op := newOperator(t, h)
	installer := op.installer()
	dir := op.dir
	write := func(host *sshhost.Host, exporterPort int) {
		t.Helper()
		op.write(fmt.Sprintf(`deployment "lab" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider  = provider.baremetal.office
  address   = "127.0.0.1"
  port      = %d
  user      = %q
  country   = "DE"
  boot_disk = "/dev/disk/by-id/ata-STANDIN_0001"
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.nas1
  with    = { port = %d }
}
`, host.Port, host.User, exporterPort))
	}
	run, expect := op.run, op.expect
	host := func() state.Host { return op.host("nas1") }

	// Without boot_disk nothing says which disk the install may erase.
	write(h, 9100)
	conf, err := os.ReadFile(filepath.Join(dir, "main.fc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	op.write(strings.Replace(string(conf), `boot_disk = "/dev/disk/by-id/ata-STANDIN_0001"`, "", 1))
	out, code := run(h, "plan")
	expect(out, code, 1, "main.fc.hcl:3) needs NixOS installed (it runs debian, not NixOS), but names no boot_disk")

	write(h, 9100)
	out, code = run(h, "plan", "--detailed-exitcode")
	expect(out, code, 2,
		"# host.nas1 will have NixOS installed, then be deployed (it runs debian, not NixOS) — DATA LOSS: the install erases its boot disk",
		"first contact: it presents host key "+fingerprint(t, h.HostKey),
		"Data loss: host.nas1 (install).",
		"1 to deploy.")

	// Erasing a machine needs consent.
	out, code = run(h, "apply", "--auto-approve", "--installer", installer)
	expect(out, code, 1, "erases 1 machine(s) holding data; add --allow-data-loss")
	if strings.Contains(strings.Join(h.Commands(), "\n"), "kexec") {
		t.Fatalf("kexec ran without consent: %q", h.Commands())
	}

	oldKey := h.HostKey
	out, code = run(h, "apply", "--auto-approve", "--allow-data-loss", "--installer", installer)
	expect(out, code, 0, "host.nas1: kexec…", "host.nas1: disko…", "generated its host key", "host.nas1: deployed")
	newKey := h.CurrentHostKey()
	if got := host(); got.SSHHostKey != newKey || newKey == oldKey || got.NextSSHHostKey != "" || got.Deployed == "" {
		t.Fatalf("after the install, state has %+v; the host presents %q (was %q)", got, newKey, oldKey)
	}
	first := host().Deployed
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
	expect(out, code, 0, "# host.nas1 will be deployed (configuration changed)")
	if strings.Contains(out, "first use") || strings.Contains(out, "first contact") {
		t.Errorf("the key is pinned, yet the plan speaks of first contact:\n%s", out)
	}
	out, code = run(h, "apply", "--auto-approve")
	expect(out, code, 0, "host.nas1: deployed")
	second := host().Deployed
	if second == first || second == "" {
		t.Errorf("deployed hash after the change: %q (was %q)", second, first)
	}

	// Someone switches the host to another generation by hand: plan
	// shows the drift and deploys again.
	running := filepath.Join(h.Root, "run", "current-system")
	if err := os.Remove(running); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(h.Generation(2), running); err != nil {
		t.Fatal(err)
	}
	out, code = run(h, "plan", "--detailed-exitcode")
	expect(out, code, 2, "# host.nas1 will be deployed (changed by hand since freecloud deployed it)", "# drift: changed by hand: it runs "+h.Generation(2))
	out, code = run(h, "apply", "--auto-approve")
	expect(out, code, 0, "host.nas1: deployed")
	out, code = run(h, "plan", "--detailed-exitcode")
	expect(out, code, 0, "No changes.")

	// Another machine answers at the address: its key is refused, at plan
	// and at apply.
	other := sshhost.Start(t)
	write(other, 9102)
	out, code = run(other, "plan")
	expect(out, code, 0, "not reachable now", "host key of machine nas1")
	out, code = run(other, "apply", "--auto-approve")
	expect(out, code, 1, "host key of machine nas1", fingerprint(t, newKey), fingerprint(t, other.HostKey))
	if got := host(); got.SSHHostKey != newKey {
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

// An operator runs the freecloud binary with a home of their own whose
// SSH key the stand-in hosts accept.
type operator struct {
	t        *testing.T
	bin, dir string
	home     string
	env      []string
}

func newOperator(t *testing.T, h *sshhost.Host, env ...string) *operator {
	t.Helper()
	bin, err := exec.LookPath("freecloud") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	o := &operator{t: t, bin: bin, dir: t.TempDir(), home: t.TempDir(), env: env}
	if err := os.MkdirAll(filepath.Join(o.home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.home, ".ssh", "id_ed25519"), h.ClientKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return o
}

// write writes the deployment.
func (o *operator) write(conf string) {
	o.t.Helper()
	if err := os.WriteFile(filepath.Join(o.dir, "main.fc.hcl"), []byte(conf), 0o644); err != nil {
		o.t.Fatal(err)
	}
}

// installer writes the stand-in kexec installer for --installer.
func (o *operator) installer() string {
	o.t.Helper()
	file := filepath.Join(o.t.TempDir(), "installer.tar.gz")
	if err := os.WriteFile(file, sshhost.InstallerTarball(), 0o644); err != nil {
		o.t.Fatal(err)
	}
	return file
}

// run runs freecloud against host and returns its output and exit code.
func (o *operator) run(host *sshhost.Host, args ...string) (string, int) {
	o.t.Helper()
	cmd := exec.Command(o.bin, append([]string{"-C", o.dir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+o.home, "SSH_AUTH_SOCK=", "NO_COLOR=1", "FREECLOUD_DEPLOY_ROOT="+host.Root)
	cmd.Env = append(cmd.Env, o.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		o.t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// host is a machine's host record in the deployment's state.
func (o *operator) host(machine string) state.Host {
	o.t.Helper()
	st, err := state.ForDeployment(o.dir).Read()
	if err != nil || st == nil || st.Host(machine) == nil {
		o.t.Fatalf("state has no host.%s: %v", machine, err)
	}
	return *st.Host(machine)
}

func (o *operator) expect(out string, code, wantCode int, wants ...string) {
	o.t.Helper()
	if code != wantCode {
		o.t.Errorf("exit %d, want %d", code, wantCode)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			o.t.Errorf("output lacks %q", w)
		}
	}
	if o.t.Failed() {
		o.t.Fatalf("output:\n%s", out)
	}
}

// TestApplyInstallsCloudServer: apply creates a Hetzner server (the fake
// API), then installs NixOS on it over SSH — trusting its first key, as
// Hetzner offers no way to learn it — and deploys. The server is reached
// at the machine's address, here the stand-in host.
func TestApplyInstallsCloudServer(t *testing.T) {
	fake := hcloudfake.New(t, hcloudfake.Options{ActionDuration: 10 * time.Millisecond})
	h := sshhost.Start(t)
	h.BecomeDebian()
	op := newOperator(t, h, "HCLOUD_ENDPOINT="+fake.URL(), "HCLOUD_TOKEN="+fake.Token(), "HCLOUD_POLL_INTERVAL=10ms")
	admin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.ClientKey.PublicKey())))
	op.write(fmt.Sprintf(`deployment "cloudlab" {}
provider "hetzner" "eu" {}
machine "web1" {
  provider = provider.hetzner.eu
  location = "fsn1"
  size     = "cx22"
  admins   = [%q]
  address  = "127.0.0.1" # the stand-in host, instead of the server's public IPv4
  port     = %d
  user     = %q
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.web1
}
`, admin, h.Port, h.User))
	out, code := op.run(h, "plan")
	op.expect(out, code, 0, "+ server.web1",
		"# host.web1 will have NixOS installed, then be deployed (its server is created by this plan)",
		"the new server's host key will be trusted on first use")
	if strings.Contains(out, "DATA LOSS") {
		t.Errorf("installing a new server loses nothing:\n%s", out)
	}
	out, code = op.run(h, "apply", "--auto-approve", "--installer", op.installer())
	op.expect(out, code, 0, "server.web1: created", "host key trusted on first use", "generated its host key", "host.web1: deployed")
	st, err := state.ForDeployment(op.dir).Read()
	if err != nil || st.Host("web1") == nil || st.Host("web1").SSHHostKey != h.CurrentHostKey() || st.Host("web1").Deployed == "" {
		t.Fatalf("state after the install: %v %+v", err, st)
	}
	out, code = op.run(h, "plan", "--detailed-exitcode")
	op.expect(out, code, 0, "No changes.")
}

// TestDeployThroughJumpHost reaches a machine through its ssh_jump
// bastion (the stand-in host is its own bastion here): plan looks at it,
// apply deploys, and state pins the bastion's key next to the machine's.
func TestDeployThroughJumpHost(t *testing.T) {
	h := sshhost.Start(t)
	op := newOperator(t, h)
	op.write(fmt.Sprintf(`deployment "behind" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider = provider.baremetal.office
  address  = "127.0.0.1"
  port     = %[1]d
  user     = %[2]q
  country  = "DE"
  ssh_jump = "%[2]s@127.0.0.1:%[1]d"
}
`, h.Port, h.User))
	out, code := op.run(h, "plan")
	op.expect(out, code, 0, "# host.nas1 will be deployed (never deployed by freecloud)", "it presents host key "+fingerprint(t, h.HostKey))
	out, code = op.run(h, "apply", "--auto-approve")
	op.expect(out, code, 0, "jump host key trusted on first use", "host.nas1: deployed")
	st, err := state.ForDeployment(op.dir).Read()
	if err != nil || st.Host("nas1") == nil || st.Host("nas1").JumpHostKey != h.HostKey || st.Host("nas1").SSHHostKey != h.HostKey {
		t.Fatalf("state: %v %+v", err, st.Host("nas1"))
	}
	out, code = op.run(h, "plan", "--detailed-exitcode")
	op.expect(out, code, 0, "No changes.")
}

// TestApplyAfterAnUnhealthyInstall: the install's health checks fail after
// the reboot. State keeps the key the install generated as the next key,
// so the next plan reaches the machine (which now presents it), plans a
// deploy, and apply makes the new key the pinned one.
func TestApplyAfterAnUnhealthyInstall(t *testing.T) {
	h := sshhost.Start(t)
	h.BecomeDebian()
	op := newOperator(t, h)
	op.write(fmt.Sprintf(`deployment "shaky" {}
provider "baremetal" "office" {}
machine "nas1" {
  provider  = provider.baremetal.office
  address   = "127.0.0.1"
  port      = %d
  user      = %q
  country   = "DE"
  boot_disk = "/dev/vda"
}
`, h.Port, h.User))
	hostRecord := func() state.Host { return op.host("nas1") }
	oldKey := h.HostKey
	h.On("systemctl is-system-running", sshhost.Reply{Stdout: "degraded\n"})
	h.On("systemctl --failed *", sshhost.Reply{Stdout: "network-online.target loaded failed failed Network\n"})
	out, code := op.run(h, "apply", "--auto-approve", "--allow-data-loss", "--installer", op.installer())
	op.expect(out, code, 1, "generated its host key", "host.nas1: deploy FAILED: nas1: health:", "unit network-online.target failed")
	newKey := h.CurrentHostKey()
	if got := hostRecord(); got.SSHHostKey != oldKey || got.NextSSHHostKey != newKey || got.Deployed != "" {
		t.Fatalf("after the unhealthy install: %+v (new key %q)", got, newKey)
	}

	h.On("systemctl is-system-running", sshhost.Reply{Stdout: "running\n"}) // newest rule wins
	out, code = op.run(h, "plan", "--detailed-exitcode")
	op.expect(out, code, 2, "# host.nas1 will be deployed (never deployed by freecloud)")
	out, code = op.run(h, "apply", "--auto-approve")
	op.expect(out, code, 0, "host.nas1: deployed")
	if got := hostRecord(); got.SSHHostKey != newKey || got.NextSSHHostKey != "" || got.Deployed == "" {
		t.Fatalf("after the deploy: %+v", got)
	}
}

// awsOperator is an operator whose AWS configuration chain reaches fake
// and nothing else.
func awsOperator(t *testing.T, h *sshhost.Host, fake *ec2fake.Fake) *operator {
	var env []string
	awsEnv(func(k, v string) { env = append(env, k+"="+v) }, t.TempDir(), fake)
	return newOperator(t, h, env...)
}

func awsMachine(h *sshhost.Host, deployment string) string {
	admin := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.ClientKey.PublicKey())))
	return fmt.Sprintf(`deployment %q {}
provider "aws" "frankfurt" {
  region = "eu-central-1"
}
machine "web1" {
  provider = provider.aws.frankfurt
  location = "eu-central-1a"
  size     = "t3.small"
  admins   = [%q]
  address  = "127.0.0.1" # the stand-in host, instead of the Elastic IP
  port     = %d
  user     = %q
  disks    = [{ name = "data", size = 10, mount = "/var/lib/data" }]
}
service "metrics" {
  profile = "prometheus-node-exporter"
  machine = machine.web1
}
`, deployment, admin, h.Port, h.User)
}

// attachVolumes plays EC2 attaching a deployment's data volumes: as each
// appears at the fake, its NVMe device appears, blank, on the stand-in.
func attachVolumes(t *testing.T, fake *ec2fake.Fake, h *sshhost.Host, deployment string) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		attached := map[string]bool{}
		for {
			for _, o := range fake.Objects("volume") {
				if o.Tags["freecloud:deployment"] == deployment && o.Tags["freecloud:kind"] == "volume" && !attached[o.ID] {
					attached[o.ID] = true
					h.AttachDisk("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + strings.Replace(o.ID, "-", "", 1))
				}
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
}

// TestApplyDeploysAWSInstance: apply creates an EC2 instance from the
// NixOS image (the fake API) and deploys to it directly, without an
// install: the image runs NixOS. Its first host key is the one its
// console shows, read through the API and pinned, never trusted on first
// use; its blank data volume is formatted with its label.
func TestApplyDeploysAWSInstance(t *testing.T) {
	fake := ec2fake.New(t, ec2fake.Options{OperationTime: 10 * time.Millisecond})
	h := sshhost.Start(t)
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(h.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	fake.SetHostKey(hostKey) // the stand-in answers for the instance
	attachVolumes(t, fake, h, "awslab")
	op := awsOperator(t, h, fake)
	op.write(awsMachine(h, "awslab"))

	out, code := op.run(h, "plan")
	op.expect(out, code, 0, "+ instance.web1",
		"# host.web1 will be deployed (its server is created by this plan from a NixOS image)",
		"apply reads the host keys the machine reports through its provider's API")
	for _, bad := range []string{"installed", "trusted on first use", "DATA LOSS"} {
		if strings.Contains(out, bad) {
			t.Errorf("the plan says %q:\n%s", bad, out)
		}
	}
	out, code = op.run(h, "apply", "--auto-approve")
	op.expect(out, code, 0, "instance.web1: created",
		"host.web1: its provider reports host key "+fingerprint(t, h.HostKey)+"; pinned",
		"disk data at /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol", "host.web1: deployed")
	for _, bad := range []string{"kexec", "trusted on first use"} {
		if strings.Contains(out, bad) {
			t.Errorf("apply says %q:\n%s", bad, out)
		}
	}
	if host := op.host("web1"); host.SSHHostKey != h.HostKey || host.Deployed == "" {
		t.Errorf("state pins %q and records deploy %q; want the console's key and a deploy", host.SSHHostKey, host.Deployed)
	}
	formatted := 0
	for _, o := range fake.Objects("volume") {
		if o.Tags["freecloud:kind"] == "volume" {
			if tags, _ := h.Disk("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_" + strings.Replace(o.ID, "-", "", 1)); tags["LABEL"] == "data" {
				formatted++
			}
		}
	}
	if formatted != 1 {
		t.Errorf("%d data volumes formatted with label data, want 1", formatted)
	}
	out, code = op.run(h, "plan", "--detailed-exitcode")
	op.expect(out, code, 0, "No changes.")
}

// TestAWSConsoleKeyMismatch: the machine reached presents another key
// than the instance printed on its console (a machine in the middle):
// apply refuses to deploy and pins nothing.
func TestAWSConsoleKeyMismatch(t *testing.T) {
	fake := ec2fake.New(t, ec2fake.Options{OperationTime: 10 * time.Millisecond})
	h := sshhost.Start(t)
	attachVolumes(t, fake, h, "mitm") // the instances print keys of their own
	op := awsOperator(t, h, fake)
	op.write(awsMachine(h, "mitm"))
	out, code := op.run(h, "apply", "--auto-approve")
	op.expect(out, code, 1, "instance.web1: created", "its provider reports host key", "deploy FAILED",
		"is not the one its provider's console shows", "but the host presented "+fingerprint(t, h.HostKey))
	if strings.Contains(out, "host.web1: deployed") {
		t.Fatalf("deployed to a host whose key is not the instance's:\n%s", out)
	}
	st, err := state.ForDeployment(op.dir).Read()
	if err != nil {
		t.Fatal(err)
	}
	if host := st.Host("web1"); host != nil && (host.SSHHostKey == h.HostKey || host.Deployed != "") {
		t.Errorf("state pins the impostor's key or a deploy: %+v", host)
	}
}
