package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"golang.org/x/crypto/ssh"
)

// Install puts NixOS on a machine that runs another Linux (a cloud
// provider's Debian image, or bare metal), the way nixos-anywhere does,
// over the one verified SSH connection:
//
//	detect       os-release: installed NixOS (nothing to do), its installer, or another system
//	kexec        the installer tarball is fetched (by the machine, or sent by freecloud) and
//	             its kexec/run boots NixOS's installer from RAM — the machine's SSH host keys
//	             and authorized keys are carried over, so the pinned key still holds
//	installer    reconnect until the installer answers
//	disko        the flake's disk layout (system.build.diskoScript) partitions, formats and
//	             mounts the boot disk under /mnt: everything on it is erased
//	disks        each data disk (Options.Disks) is waited for and, if blank, formatted ext4
//	             with its label, as before a deploy's switch; one holding anything is left
//	             alone (a Note). Skipped without data disks
//	host-key     the machine's final SSH host key is generated into /mnt; its public half
//	             is read back over the verified connection (Event Detail) — the private
//	             half never leaves the machine
//	upload       the flake to /mnt/var/lib/freecloud/flake
//	install      nixos-install --flake …#<machine>
//	reboot       into the installed system
//	boot         reconnect, expecting the new host key, until the installed system answers
//	health       as after a deploy's switch
//	record       /etc/freecloud/deployed.json, once healthy: an install that fails its
//	             checks leaves none, so the next plan deploys the machine again
//
// A machine already in the installer (an install interrupted after kexec)
// skips kexec. Nothing is rolled back: there is no previous generation.
func Install(ctx context.Context, conn *sshx.Conn, machine string, tree map[string][]byte, opts InstallOptions) (*InstallResult, error) {
	if err := checkDisks(opts.Disks); err != nil {
		return nil, &Error{Machine: machine, Step: StepDisks, Err: err}
	}
	d, err := newDeployer(conn, machine, tree, opts.Options)
	if err != nil {
		return nil, err
	}
	in := &installer{
		deployer:  *d,
		it:        opts.InstallTimeouts.withDefaults(),
		source:    opts.Installer,
		installed: conn.HostKey(),
	}
	defer in.closeFresh()
	defer func() {
		if in.current != nil && in.current != conn {
			in.current.Close()
		}
	}()
	in.current = conn
	steps := []struct {
		name    string
		timeout time.Duration
		run     func(context.Context) error
	}{
		{StepDetect, in.t.Step, in.detect},
		{StepKexec, in.it.Kexec, in.kexec},
		{StepInstaller, in.it.Boot, in.waitInstaller},
		{StepDisko, in.it.Disko, in.disko},
		{StepDisks, in.t.disksTimeout(len(opts.Disks)), func(ctx context.Context) error { return in.disks(ctx, in.current) }},
		{StepHostKey, in.t.Step, in.hostKey},
		{StepUpload, in.t.Step, in.upload},
		{StepInstall, in.it.Install, in.install},
		{StepReboot, in.t.Step, in.reboot},
		{StepBoot, in.it.Boot, in.waitBoot},
		{StepHealth, in.t.Health, in.health},
		{StepRecord, in.t.Step, in.write},
	}
	for _, s := range steps {
		if s.name == StepKexec && in.facts.Installer {
			in.emit(Event{Step: StepKexec, Status: Note, Detail: "already running the NixOS installer; kexec skipped"})
			continue
		}
		if s.name == StepDisks && len(opts.Disks) == 0 {
			continue
		}
		if err := in.do(ctx, s.name, s.timeout, s.run); err != nil {
			return nil, &Error{Machine: machine, Step: s.name, Err: err, Units: in.units}
		}
	}
	return &InstallResult{Result: in.result, HostKey: in.newKey}, nil
}

// The steps of an install, besides those it shares with a deploy.
const (
	StepKexec     = "kexec"
	StepInstaller = "installer"
	StepDisko     = "disko"
	StepHostKey   = "host-key"
	StepInstall   = "install"
	StepReboot    = "reboot"
	StepBoot      = "boot"
)

// ErrNotRoot: installing needs root on the machine.
var ErrNotRoot = errors.New("installing NixOS needs a root login")

// DefaultInstaller is the kexec installer nixos-anywhere boots by default
// (src/nixos-anywhere.sh at nix-community/nixos-anywhere 91fc9b7):
// nixos-images' non-interactive image, which keeps the machine's SSH host
// keys and authorized keys. It only runs the install, so its NixOS
// release need not be the flake's. {arch} is the machine's uname -m.
const DefaultInstaller = "https://github.com/nix-community/nixos-images/releases/download/nixos-25.11/nixos-kexec-installer-noninteractive-{arch}-linux.tar.gz"

// InstallOptions tune an install.
type InstallOptions struct {
	// Options are those of a deploy: Root, health Checks, data Disks,
	// Timeouts (Step, Health and DiskWait are used), Progress.
	Options
	// Installer is the kexec installer tarball (.tar.gz, .tar.xz or
	// .tar.zst): an http(s) URL the machine downloads itself, or a local
	// file freecloud sends over SSH (for machines without internet
	// access). "{arch}" is replaced by the machine's architecture.
	// DefaultInstaller when empty.
	Installer string
	InstallTimeouts
}

// InstallTimeouts bound the long steps of an install.
type InstallTimeouts struct {
	// Kexec bounds fetching the installer and starting it.
	Kexec time.Duration
	// Boot bounds waiting for the machine to answer after kexec and after
	// the reboot; Poll is how often it is tried meanwhile.
	Boot, Poll time.Duration
	// Disko bounds partitioning and formatting (building the script
	// first); Install bounds nixos-install, which downloads a system.
	Disko, Install time.Duration
}

// DefaultInstallTimeouts are used for zero fields of InstallTimeouts.
var DefaultInstallTimeouts = InstallTimeouts{Kexec: 15 * time.Minute, Boot: 10 * time.Minute, Poll: 3 * time.Second, Disko: 15 * time.Minute, Install: 2 * time.Hour}

func (t InstallTimeouts) withDefaults() InstallTimeouts {
	d := DefaultInstallTimeouts
	return InstallTimeouts{Kexec: orDefault(t.Kexec, d.Kexec), Boot: orDefault(t.Boot, d.Boot), Poll: orDefault(t.Poll, d.Poll), Disko: orDefault(t.Disko, d.Disko), Install: orDefault(t.Install, d.Install)}
}

// An InstallResult is a successful install.
type InstallResult struct {
	Result
	// HostKey is the machine's new SSH host key, generated during the
	// install: what state pins from now on.
	HostKey string
}

// installer is one install in progress. It reuses the deployer's steps
// that an install shares (upload, record, health); its current
// connection moves from the old system to the installer to the installed
// system.
type installer struct {
	deployer
	it      InstallTimeouts
	source  string
	current *sshx.Conn
	facts   Facts
	// installed is the host key of the old system and the installer;
	// newKey the one generated for the installed system.
	installed, newKey string
}

func (in *installer) detect(ctx context.Context) error {
	f, err := readFacts(ctx, in.current, in.p, StepDetect)
	if err != nil {
		return err
	}
	in.facts = f
	switch {
	case f.NixOS:
		return fmt.Errorf("%w: it runs NixOS already", ErrNothingToInstall)
	case !f.Root && in.p.root == "": // a stand-in host (tests) runs as the test's user
		return fmt.Errorf("%w: log in as root (the machine's user) to install", ErrNotRoot)
	}
	in.detail = "runs " + f.Describe() + " on " + f.Arch
	return nil
}

// ErrNothingToInstall: the machine runs NixOS already.
var ErrNothingToInstall = errors.New("nothing to install")

// installerSource is the tarball for the machine's architecture, and
// whether freecloud must send it (a local file).
func (in *installer) installerSource() (src string, local bool, err error) {
	src = in.source
	if src == "" {
		src = DefaultInstaller
	}
	src = strings.ReplaceAll(src, "{arch}", in.facts.Arch)
	if u, err := url.Parse(src); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return src, false, nil
	}
	return src, true, nil
}

// untar is the tar option that decompresses the tarball, by its name.
func untar(name string) (string, error) {
	switch {
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return "-xzf", nil
	case strings.HasSuffix(name, ".tar.xz"):
		return "-xJf", nil
	case strings.HasSuffix(name, ".tar.zst"):
		return "--zstd -xf", nil
	case strings.HasSuffix(name, ".tar"):
		return "-xf", nil
	}
	return "", fmt.Errorf("installer %s: not a .tar, .tar.gz, .tar.xz or .tar.zst", name)
}

// kexec fetches the installer into /root/kexec and runs its kexec/run,
// which starts the installer a few seconds after returning. The
// connection may drop meanwhile; the next step decides.
func (in *installer) kexec(ctx context.Context) error {
	src, local, err := in.installerSource()
	if err != nil {
		return err
	}
	flags, err := untar(src)
	if err != nil {
		return err
	}
	dir := in.p.root + "/root/kexec"
	tarball := dir + "/installer.tar"
	if _, err := in.current.Run(ctx, StepKexec, "rm -rf "+q(dir)+" && mkdir -p "+q(dir)); err != nil {
		return err
	}
	if local {
		f, err := os.Open(src)
		if err != nil {
			return fmt.Errorf("installer: %w", err)
		}
		defer f.Close()
		if _, err := in.current.RunInput(ctx, StepKexec, "cat > "+q(tarball), f); err != nil {
			return err
		}
		in.detail = "sent " + filepath.Base(src)
	} else {
		fetch := fmt.Sprintf("if command -v curl >/dev/null; then curl --fail -sSL --retry 3 %[2]s > %[1]s; else wget -q -O - %[2]s > %[1]s; fi", q(tarball), q(src))
		if _, err := in.current.Run(ctx, StepKexec, fetch); err != nil {
			return err
		}
		in.detail = "downloaded " + src
	}
	run := fmt.Sprintf("cd %s && tar %s installer.tar && rm installer.tar && TMPDIR=%s setsid --wait %s", q(dir), flags, q(dir), q(dir+"/kexec/run"))
	if _, err := in.current.Run(ctx, StepKexec, run); err != nil && !errors.Is(err, sshx.ErrConnectionLost) {
		return err
	}
	return nil
}

// waitInstaller reconnects until the machine answers as NixOS's
// installer, with the host key it had: the installer keeps it.
func (in *installer) waitInstaller(ctx context.Context) error {
	if in.facts.Installer {
		return nil
	}
	policy, err := sshx.Pinned(in.installed)
	if err != nil {
		return err
	}
	return in.waitFor(ctx, policy, func(f Facts) bool { return f.Installer }, "the NixOS installer")
}

// waitFor polls new connections until one is accepted with policy and
// the machine's facts satisfy ready; it keeps that connection as the
// current one. A host key mismatch ends the wait at once, unless the key
// presented is the installer's while the installed system is awaited
// (the reboot has not happened yet).
func (in *installer) waitFor(ctx context.Context, policy sshx.HostKeyPolicy, ready func(Facts) bool, what string) error {
	var last error
	// Poll soon at first (a VM can be back in seconds), then every Poll.
	pause := min(time.Second, in.it.Poll)
	for {
		c, err := in.current.RedialExpecting(ctx, policy)
		if err == nil {
			f, ferr := readFacts(ctx, c, in.p, in.waitStep())
			if ferr == nil && ready(f) {
				if in.current != in.conn {
					in.current.Close()
				}
				in.current, in.facts = c, f
				return nil
			}
			c.Close()
			if ferr == nil {
				last = fmt.Errorf("it still runs %s", f.Describe())
			} else if ctx.Err() == nil || last == nil {
				last = ferr
			}
		} else {
			var hk *sshx.HostKeyError
			if errors.As(err, &hk) && !(in.newKey != "" && hk.Presented == sshx.Fingerprint(in.installed)) {
				return err
			}
			if ctx.Err() == nil || last == nil { // a dial cut short by the deadline says less than the attempt before
				last = err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer: %v", what, bare(last))
		case <-time.After(pause):
		}
		pause = min(2*pause, in.it.Poll)
	}
}

// waitStep names the wait in progress in errors.
func (in *installer) waitStep() string {
	if in.newKey == "" {
		return StepInstaller
	}
	return StepBoot
}

// disko builds the flake's disk-layout script on the installer and runs
// it: the disks are partitioned, formatted and mounted under /mnt.
func (in *installer) disko(ctx context.Context) error {
	flake := in.p.root + "/root/freecloud-flake"
	if _, err := in.current.Upload(ctx, flake, in.tree); err != nil {
		return err
	}
	r, err := in.current.Run(ctx, StepDisko, fmt.Sprintf("nix build --no-link --print-out-paths --option experimental-features %s %s",
		q("nix-command flakes"), q(flake+"#nixosConfigurations."+in.machine+".config.system.build.diskoScript")))
	if err != nil {
		return err
	}
	script := lastLine(r.Stdout)
	if !strings.HasPrefix(script, "/") {
		return fmt.Errorf("nix build printed no disko script (got %q)", script)
	}
	if _, err := in.current.Run(ctx, StepDisko, q(script)); err != nil {
		return err
	}
	in.detail = "disks partitioned, formatted and mounted on /mnt"
	return nil
}

// hostKey generates the installed system's SSH host key on the machine
// and reads its public half back. The Done event carries it, so that the
// caller records it before the machine starts presenting it.
func (in *installer) hostKey(ctx context.Context) error {
	key := in.p.mnt() + "/etc/ssh/ssh_host_ed25519_key"
	r, err := in.current.Run(ctx, StepHostKey, fmt.Sprintf("mkdir -p -m 755 %s && rm -f %s %s && ssh-keygen -q -t ed25519 -N '' -C %s -f %s && cat %s",
		q(path.Dir(key)), q(key), q(key+".pub"), q("root@"+in.machine), q(key), q(key+".pub")))
	if err != nil {
		return err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(r.Stdout)
	if err != nil {
		return fmt.Errorf("the generated host key is not an SSH public key: %v", err)
	}
	in.newKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	in.detail = in.newKey
	return nil
}

func (in *installer) upload(ctx context.Context) error {
	t, err := in.current.Upload(ctx, in.p.mnt()+FlakeDir, in.tree)
	in.result.Upload = t
	in.detail = fmt.Sprintf("%d files sent", len(t.Sent))
	return err
}

func (in *installer) install(ctx context.Context) error {
	flake := in.p.mnt() + FlakeDir + "#" + in.machine
	if _, err := in.current.Run(ctx, StepInstall, fmt.Sprintf("nixos-install --root %s --flake %s --no-root-passwd --no-channel-copy", q(in.p.mnt()), q(flake))); err != nil {
		return err
	}
	r, err := in.current.Run(ctx, StepInstall, "readlink -f "+q(in.p.mnt()+"/nix/var/nix/profiles/system"))
	if err != nil {
		return err
	}
	in.built = strings.TrimPrefix(lastLine(r.Stdout), in.p.mnt())
	in.record.System, in.result.System = in.built, in.built
	in.detail = in.built
	return nil
}

// reboot leaves the installer a moment to close the session cleanly.
func (in *installer) reboot(ctx context.Context) error {
	_, err := in.current.Run(ctx, StepReboot, "nohup sh -c 'sleep 2; reboot' >/dev/null 2>&1 &")
	if err != nil && !errors.Is(err, sshx.ErrConnectionLost) {
		return err
	}
	return nil
}

// waitBoot reconnects until the installed system answers with its new
// host key and runs the installed generation.
func (in *installer) waitBoot(ctx context.Context) error {
	policy, err := sshx.Pinned(in.newKey)
	if err != nil {
		return err
	}
	if err := in.waitFor(ctx, policy, func(f Facts) bool { return f.NixOS }, "the installed system"); err != nil {
		return err
	}
	in.fresh = in.current
	in.current = nil
	return nil
}

// Paths of an install, below the root.
func (p paths) mnt() string       { return p.root + "/mnt" }
func (p paths) osRelease() string { return p.root + "/etc/os-release" }
