package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// fastInstall are install timeouts for the stand-in host.
var fastInstall = deploy.InstallTimeouts{Kexec: 5 * time.Second, Boot: 10 * time.Second, Poll: 100 * time.Millisecond, Disko: 5 * time.Second, Install: 5 * time.Second}

// debianStandIn starts a host that runs "Debian" and connects to it.
func debianStandIn(t *testing.T) (*sshhost.Host, *sshx.Conn) {
	t.Helper()
	h, conn := standIn(t)
	h.BecomeDebian()
	return h, conn
}

// localInstaller writes the stand-in kexec tarball to a local file.
func localInstaller(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "nixos-kexec-installer-x86_64-linux.tar.gz")
	if err := os.WriteFile(file, sshhost.InstallerTarball(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func installOptions(h *sshhost.Host, installer string, rec *recorder) deploy.InstallOptions {
	return deploy.InstallOptions{
		Options:         deploy.Options{Root: h.Root, Timeouts: fast, Progress: rec.progress},
		Installer:       installer,
		InstallTimeouts: fastInstall,
	}
}

// installCommands are the fake commands an install calls after kexec.
func installCommands(h *sshhost.Host, machine string) []string {
	return []string{
		"nix build --no-link --print-out-paths --option experimental-features 'nix-command flakes' " + sshx.Quote(h.Root+"/root/freecloud-flake#nixosConfigurations."+machine+".config.system.build.diskoScript"),
		"/nix/store/fake-disko-script",
		"nixos-install --root " + h.Root + "/mnt --flake " + sshx.Quote(h.Root+"/mnt/var/lib/freecloud/flake#"+machine) + " --no-root-passwd --no-channel-copy",
		"reboot",
		"systemctl is-system-running",
	}
}

func TestInstallFromDebian(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	oldKey := h.HostKey
	tree := quickstart(t)
	rec := &recorder{}
	res, err := deploy.Install(context.Background(), conn, "web1", tree, installOptions(h, localInstaller(t), rec))
	if err != nil {
		t.Fatal(err)
	}

	want := append([]string{
		"kexec --load " + h.Root + "/root/kexec/kexec/bzImage --initrd=" + h.Root + "/root/kexec/kexec/initrd",
		"kexec -e",
	}, installCommands(h, "web1")...)
	if got := h.Commands(); !reflect.DeepEqual(got, want) {
		t.Fatalf("commands on the host:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	var wantSteps []string
	for _, s := range []string{"detect", "kexec", "installer", "disko", "host-key", "upload", "install", "reboot", "boot", "health", "record"} {
		wantSteps = append(wantSteps, s+" started", s+" done")
	}
	if got := rec.steps("web1"); !reflect.DeepEqual(got, wantSteps) {
		t.Errorf("events %q\nwant %q", got, wantSteps)
	}

	// The machine presents the key generated during the install, which
	// the result and the host-key event carry; the old key is refused.
	newKey := h.CurrentHostKey()
	if newKey == oldKey || res.HostKey != newKey {
		t.Errorf("result host key %q; the host presents %q (old key %q)", res.HostKey, newKey, oldKey)
	}
	for _, e := range rec.events {
		if e.Step == deploy.StepHostKey && e.Status == deploy.Done && e.Detail != newKey {
			t.Errorf("host-key event carries %q, want %q", e.Detail, newKey)
		}
	}
	if _, err := sshx.Connect(context.Background(), target(h, "web1", pin(t, oldKey)), sshx.SignerAuth(h.ClientKey)); err == nil {
		t.Error("the old host key is still accepted after the install")
	}
	c, err := sshx.Connect(context.Background(), target(h, "web1", pin(t, newKey)), sshx.SignerAuth(h.ClientKey))
	if err != nil {
		t.Fatalf("connecting with the new key: %v", err)
	}
	c.Close()

	// The installed system runs the generation nixos-install made, with
	// the flake byte for byte and the deploy record.
	hash, _ := deploy.ConfigHash(tree, "web1")
	if res.Hash != hash || res.System != h.Generation(2) || h.CurrentSystem() != "/nix/store/fake-2-system" {
		t.Errorf("result %+v, host runs %s; want hash %s, system %s", res.Result, h.CurrentSystem(), hash, h.Generation(2))
	}
	sameTree(t, filepath.Join(h.Root, deploy.FlakeDir), tree)
	var record deploy.Record
	if err := json.Unmarshal(h.ReadFile("etc/freecloud/deployed.json"), &record); err != nil {
		t.Fatal(err)
	}
	if record.Configuration != hash || record.System != h.Generation(2) || record.Machine != "web1" || record.Deployment != "acme" {
		t.Errorf("deployed.json %+v", record)
	}
	// The private key never left the machine: it is where ssh-keygen
	// wrote it, and nowhere in what the install returned.
	if strings.Contains(res.HostKey, "PRIVATE") {
		t.Error("the result holds a private key")
	}
}

func TestInstallDownloadsTheInstaller(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.On("curl --fail *", sshhost.Reply{Stdout: string(sshhost.InstallerTarball())})
	rec := &recorder{}
	mirror := "https://mirror.example/nixos-kexec-installer-noninteractive-{arch}-linux.tar.gz"
	if _, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), installOptions(h, mirror, rec)); err != nil {
		t.Fatal(err)
	}
	first := h.Commands()[0]
	want := "curl --fail -sSL --retry 3 https://mirror.example/nixos-kexec-installer-noninteractive-x86_64-linux.tar.gz"
	if first != want {
		t.Errorf("first command %q, want %q", first, want)
	}
}

func TestInstallResumesInTheInstaller(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.BecomeInstaller()
	rec := &recorder{}
	res, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), installOptions(h, "/nonexistent/installer.tar.gz", rec))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Commands(), installCommands(h, "web1"); !reflect.DeepEqual(got, want) {
		t.Errorf("commands %q, want %q (no kexec)", got, want)
	}
	if res.HostKey != h.CurrentHostKey() {
		t.Error("the result does not carry the new host key")
	}
}

func TestInstallRefusesNixOS(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	_, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), installOptions(h, "", &recorder{}))
	if !errors.Is(err, deploy.ErrNothingToInstall) || !strings.Contains(err.Error(), "web1: detect: nothing to install: it runs NixOS already") {
		t.Errorf("error %v", err)
	}
	if len(h.Commands()) != 0 {
		t.Errorf("commands %q on a NixOS host", h.Commands())
	}
}

func TestInstallDiskoFailure(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.On("disko", sshhost.Reply{Stderr: "wipefs: error: /dev/sda: probing initialization failed: Device or resource busy\n", Exit: 1})
	_, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), installOptions(h, localInstaller(t), &recorder{}))
	var de *deploy.Error
	if !errors.As(err, &de) || de.Step != deploy.StepDisko || !strings.Contains(err.Error(), "Device or resource busy") {
		t.Fatalf("error %v; want a disko failure with the remote stderr", err)
	}
	for _, c := range h.Commands() {
		if strings.HasPrefix(c, "nixos-install") || c == "reboot" {
			t.Errorf("%q ran after disko failed", c)
		}
	}
}

// A machine whose kexec never boots the installer fails within the boot
// timeout, saying what it still runs.
func TestInstallInstallerNeverAnswers(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.On("kexec -e", sshhost.Reply{Exit: 1})
	opts := installOptions(h, localInstaller(t), &recorder{})
	opts.Boot = time.Second
	start := time.Now()
	_, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), opts)
	if err == nil || !strings.Contains(err.Error(), "web1: installer: the NixOS installer did not answer: it still runs debian") {
		t.Fatalf("error %v", err)
	}
	if elapsed := time.Since(start); elapsed > 8*time.Second {
		t.Errorf("took %s with a 1s boot timeout", elapsed)
	}
}

// A failing health check after the install fails it with the units'
// logs; the new host key was reported before, for state to keep.
func TestInstallUnhealthy(t *testing.T) {
	t.Parallel()
	h, conn := debianStandIn(t)
	h.On("systemctl is-system-running", sshhost.Reply{Stdout: "degraded\n"})
	h.On("systemctl --failed *", sshhost.Reply{Stdout: "nginx.service loaded failed failed nginx\n"})
	rec := &recorder{}
	_, err := deploy.Install(context.Background(), conn, "web1", quickstart(t), installOptions(h, localInstaller(t), rec))
	var de *deploy.Error
	if !errors.As(err, &de) || de.Step != deploy.StepHealth || len(de.Units) != 1 || de.Units[0].Unit != "nginx.service" {
		t.Fatalf("error %v", err)
	}
	reported := false
	for _, e := range rec.events {
		reported = reported || e.Step == deploy.StepHostKey && e.Status == deploy.Done && e.Detail == h.CurrentHostKey()
	}
	if !reported {
		t.Error("the new host key was not reported")
	}
	if h.Exists("etc/freecloud/deployed.json") {
		t.Error("an unhealthy install recorded a deploy")
	}
}
