// Package deploy puts a generated flake on a NixOS host and switches the
// host to it, safely: the new generation must prove itself (a fresh SSH
// login, a running system, healthy services) or the host goes back to the
// generation it ran before — by freecloud's hand when it can still reach
// the host, and by a timer on the host itself when it cannot, as
// deploy-rs's "magic rollback" does.
//
// The steps, each reported as an Event and named in errors:
//
//	detect        the host runs NixOS (install is a separate task)
//	upload        the flake to /var/lib/freecloud/flake, changed files only, verified by sha256
//	build         nixos-rebuild build on the host: slow, and harmless if it fails
//	disks         each data disk (Options.Disks): wait for its device, and format it ext4 with
//	              its label if it is blank; a disk holding anything is left alone (a Note);
//	              skipped without data disks
//	arm-rollback  a rollback script to the running generation, and a systemd timer to run it
//	switch        nixos-rebuild switch
//	reconnect     a new SSH connection must succeed
//	health        the new generation runs, the system is running, every check passes
//	confirm       the timer is cancelled (over the new connection)
//	record        /etc/freecloud/deployed.json
//
// By default (BuildOnHost) the host is built on: the operator needs no
// Nix. nixos-rebuild itself runs the activation in a transient systemd
// unit, so a switch that cuts the SSH connection (a firewall or network
// change) still completes, and the reconnect decides.
//
// With BuildOnLocal the operator's Nix builds, and build is two steps;
// the host still gets the flake it runs:
//
//	detect, upload  as above
//	build-local   nix build of the machine's toplevel here, from the flake in a temporary directory
//	copy          the store paths of the closure that the host lacks, nix-store --export here
//	              into nix-store --import there, through the deploy's SSH connection
//	disks, arm-rollback  as above
//	switch        nix-env --set of the system profile, then the copied system's switch-to-configuration
//	reconnect, health, confirm, record  as above
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// Where things live on a host (below Options.Root in tests).
const (
	FlakeDir     = "/var/lib/freecloud/flake"
	DeployedFile = "/etc/freecloud/deployed.json"
	// RollbackUnit is the transient unit (timer and service) that rolls
	// an unconfirmed switch back.
	RollbackUnit = "freecloud-rollback"
)

// Errors a deploy can fail with, besides transport errors (sshx).
var (
	// ErrNotNixOS: the machine must be installed first.
	ErrNotNixOS = errors.New("the machine does not run NixOS; install is needed")
	// ErrUnconfirmed: no new SSH connection after the switch.
	ErrUnconfirmed = errors.New("no new SSH connection after the switch")
	// ErrUnhealthy: the new generation does not pass its checks.
	ErrUnhealthy = errors.New("the new generation is not healthy")
	// ErrPending: an earlier deploy is still waiting for confirmation.
	ErrPending = errors.New("an earlier deploy is unconfirmed on this host")
)

// Options tune a deploy.
type Options struct {
	// Root is prefixed to every host path freecloud touches (/var/lib,
	// /etc, /nix/var/nix/profiles, /run): empty in production, a
	// temporary directory in tests.
	Root string
	// Checks are the services' health checks, run after the switch.
	Checks []Check
	// Timeouts bound the steps; zero fields take the defaults.
	Timeouts Timeouts
	// Progress, when set, receives an Event as each step starts and ends,
	// synchronously, from the deploying goroutine.
	Progress func(Event)
	// BuildOn says where the system is built: on the host (BuildOnHost,
	// the default when empty) or with this machine's Nix (BuildOnLocal).
	BuildOn BuildOn
	// Disks are the machine's data disks. Before the switch (an install:
	// before nixos-install) each blank one is formatted ext4 with its
	// label, which hardware.nix mounts by; one that holds anything is
	// never touched.
	Disks []DataDisk
}

// A Check is how one service shows it is healthy.
type Check struct {
	// Service names the check in errors.
	Service string
	// Unit, when set, must be active.
	Unit string
	// URL, when set, must answer 2xx or 3xx to curl on the host itself
	// (e.g. http://127.0.0.1:17170/health).
	URL string
}

// Timeouts bound the steps of a deploy.
type Timeouts struct {
	// Step bounds each short command (detect, upload, arm, confirm…).
	Step time.Duration
	// Build bounds nixos-rebuild build: a first build downloads a system.
	// With BuildOnLocal it bounds the local build, and the copy of the
	// closure to the host, each.
	Build time.Duration
	// Switch bounds the switch after the build: nixos-rebuild switch
	// (evaluation and activation), or with BuildOnLocal nix-env and the
	// activation.
	Switch time.Duration
	// Confirm bounds the new SSH connection after the switch.
	Confirm time.Duration
	// Health is how long the new generation may take to become healthy.
	Health time.Duration
	// DiskWait is how long the disks step waits for each data disk's
	// device to appear (cloud volumes attach asynchronously), polling
	// every second; whole seconds, at least one.
	DiskWait time.Duration
}

// DefaultTimeouts are used for zero fields of Options.Timeouts.
var DefaultTimeouts = Timeouts{Step: 2 * time.Minute, Build: time.Hour, Switch: 5 * time.Minute, Confirm: 30 * time.Second, Health: 2 * time.Minute, DiskWait: time.Minute}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	return Timeouts{Step: orDefault(t.Step, d.Step), Build: orDefault(t.Build, d.Build), Switch: orDefault(t.Switch, d.Switch), Confirm: orDefault(t.Confirm, d.Confirm), Health: orDefault(t.Health, d.Health), DiskWait: orDefault(t.DiskWait, d.DiskWait)}
}

// orDefault is v, or d when v is not set.
func orDefault(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}

// RollbackAfter is when the host rolls itself back unless confirmed,
// counted from arming: long enough for everything between arming and
// confirming (switch, reconnect, health checks with their last round of
// probes, the confirmation) to take its full time, so that the timer never
// interrupts a deploy that is merely slow.
func (t Timeouts) RollbackAfter() time.Duration {
	t = t.withDefaults()
	return t.Switch + t.Confirm + t.Health + 2*t.Step
}

// A Result is a successful deploy.
type Result struct {
	Machine string
	// Hash is the configuration hash now recorded on the host (ConfigHash):
	// what state keeps as the host's Deployed.
	Hash string
	// System is the store path of the generation now running; Previous
	// the one before.
	System, Previous string
	// Upload says which files of the flake were sent and removed.
	Upload sshx.Transfer
	// Copy says what was sent of the closure built with BuildOnLocal.
	Copy ClosureCopy
}

// A Record is the content of /etc/freecloud/deployed.json.
type Record struct {
	Format        int    `json:"format"`
	Deployment    string `json:"deployment"`
	Machine       string `json:"machine"`
	Configuration string `json:"configuration_sha256"`
	// System is the generation that was switched to (with BuildOnLocal,
	// the store path built here); a host whose running system differs was
	// changed by hand since.
	System string `json:"system"`
}

// Deploy uploads tree (a generated flake) to the host behind conn and
// switches it to machine's configuration, checked and rolled back on
// failure as the package documentation describes. A failure is an *Error.
func Deploy(ctx context.Context, conn *sshx.Conn, machine string, tree map[string][]byte, opts Options) (*Result, error) {
	if opts.BuildOn == "" {
		opts.BuildOn = BuildOnHost
	}
	if _, err := ParseBuildOn(string(opts.BuildOn)); err != nil {
		return nil, &Error{Machine: machine, Step: StepDetect, Err: err}
	}
	if err := checkDisks(opts.Disks); err != nil {
		return nil, &Error{Machine: machine, Step: StepDisks, Err: err}
	}
	d, err := newDeployer(conn, machine, tree, opts)
	if err != nil {
		return nil, err
	}
	defer d.closeFresh()

	type step struct {
		name    string
		timeout time.Duration
		run     func(context.Context) error
	}
	build := []step{{StepBuild, d.t.Build, d.build}}
	if opts.BuildOn == BuildOnLocal {
		build = []step{{StepBuildLocal, d.t.Build, d.buildLocal}, {StepCopy, d.t.Build, d.copyClosure}}
	}
	steps := []step{{StepDetect, d.t.Step, d.detect}, {StepUpload, d.t.Step, d.upload}}
	steps = append(steps, build...)
	if len(opts.Disks) > 0 {
		steps = append(steps, step{StepDisks, d.t.disksTimeout(len(opts.Disks)), func(ctx context.Context) error { return d.disks(ctx, d.conn) }})
	}
	steps = append(steps, []step{
		{StepArm, d.t.Step, d.arm},
		{StepSwitch, d.t.Switch, d.switchTo},
		{StepReconnect, d.t.Confirm, d.reconnect},
		{StepHealth, d.t.Health, d.health},
		{StepConfirm, d.t.Step, d.confirm},
		{StepRecord, d.t.Step, d.write},
	}...)
	for _, s := range steps {
		if err := d.do(ctx, s.name, s.timeout, s.run); err != nil {
			return nil, d.fail(ctx, s.name, err)
		}
	}
	return &d.result, nil
}

// newDeployer starts a deploy (or an install) of machine's configuration
// in tree; a tree without the machine is an *Error at detect.
func newDeployer(conn *sshx.Conn, machine string, tree map[string][]byte, opts Options) (*deployer, error) {
	hash, err := ConfigHash(tree, machine)
	if err != nil {
		return nil, &Error{Machine: machine, Step: StepDetect, Err: err}
	}
	deployment, err := manifestDeployment(tree, machine)
	if err != nil {
		return nil, &Error{Machine: machine, Step: StepDetect, Err: err}
	}
	return &deployer{
		conn: conn, machine: machine, tree: tree, opts: opts,
		t: opts.Timeouts.withDefaults(), p: hostPaths(opts.Root),
		result: Result{Machine: machine, Hash: hash},
		record: Record{Format: 1, Deployment: deployment, Machine: machine, Configuration: hash},
	}, nil
}

// deployer is one deploy in progress.
type deployer struct {
	conn    *sshx.Conn
	fresh   *sshx.Conn // the connection made after the switch
	machine string
	tree    map[string][]byte
	opts    Options
	t       Timeouts
	p       paths
	result  Result
	record  Record
	// built is the new system's store path as the host sees it (below
	// Options.Root); localBuilt, with BuildOnLocal, as built here.
	built, localBuilt string
	// armed: the rollback timer runs; rollbackAt is when it fires.
	armed      bool
	rollbackAt time.Time
	// failed units found by the health checks, with their logs.
	units []UnitFailure
	// detail is what the running step reports when it is done.
	detail string
}

func (d *deployer) do(ctx context.Context, step string, timeout time.Duration, run func(context.Context) error) error {
	d.emit(Event{Step: step, Status: Started})
	d.detail = ""
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := run(ctx)
	if err != nil {
		d.emit(Event{Step: step, Status: Failed, Err: err})
		return err
	}
	d.emit(Event{Step: step, Status: Done, Detail: d.detail})
	return nil
}

func (d *deployer) emit(e Event) {
	if d.opts.Progress != nil {
		e.Machine = d.machine
		d.opts.Progress(e)
	}
}

func (d *deployer) closeFresh() {
	if d.fresh != nil {
		d.fresh.Close()
	}
}

func (d *deployer) detect(ctx context.Context) error {
	nixos, err := isNixOS(ctx, d.conn, d.p, StepDetect)
	if err == nil && !nixos {
		return fmt.Errorf("%w (no %s, no nixos-version)", ErrNotNixOS, d.p.nixosMarker())
	}
	return err
}

func (d *deployer) upload(ctx context.Context) error {
	t, err := d.conn.Upload(ctx, d.p.flake(), d.tree)
	d.result.Upload = t
	d.detail = fmt.Sprintf("%d files sent, %d removed, %d unchanged", len(t.Sent), len(t.Removed), t.Unchanged)
	return err
}

func (d *deployer) build(ctx context.Context) error {
	r, err := d.conn.Run(ctx, StepBuild, fmt.Sprintf("cd %s && nixos-rebuild build %s && readlink -f result", q(d.p.state()), d.flakeArgs()))
	if err != nil {
		return err
	}
	d.built = lastLine(r.Stdout)
	if !strings.HasPrefix(d.built, "/") {
		return fmt.Errorf("nixos-rebuild build did not leave a result (got %q)", d.built)
	}
	d.record.System, d.result.System = d.built, d.built
	d.detail = d.built
	return nil
}

// switchTo switches. A connection lost during the switch is not a
// failure yet: the activation goes on on the host, and whether the host
// is still reachable is the reconnect step's question.
func (d *deployer) switchTo(ctx context.Context) error {
	var err error
	if d.opts.BuildOn == BuildOnLocal {
		err = d.switchLocal(ctx)
	} else {
		_, err = d.conn.Run(ctx, StepSwitch, "nixos-rebuild switch "+d.flakeArgs())
	}
	if errors.Is(err, sshx.ErrConnectionLost) {
		d.emit(Event{Step: StepSwitch, Status: Note, Detail: "connection lost during the switch; the activation continues on the host"})
		return nil
	}
	return err
}

func (d *deployer) reconnect(ctx context.Context) error {
	c, err := d.conn.Redial(ctx)
	if err != nil {
		return fmt.Errorf("%w within %s: %w", ErrUnconfirmed, d.t.Confirm, bare(err))
	}
	d.fresh = c
	return nil
}

// confirm cancels the rollback timer, over the connection made after the
// switch: only a host that accepts new logins and passed its checks keeps
// its new generation.
func (d *deployer) confirm(ctx context.Context) error {
	if _, err := d.fresh.Run(ctx, StepConfirm, "systemctl stop "+RollbackUnit+".timer"); err != nil {
		return err
	}
	d.armed = false
	return nil
}

func (d *deployer) write(ctx context.Context) error {
	data, err := json.MarshalIndent(d.record, "", "  ")
	if err != nil {
		return err
	}
	return d.fresh.WriteFile(ctx, StepRecord, d.p.deployed(), append(data, '\n'), 0o644)
}

// flakeArgs selects the machine of the uploaded flake. Flakes are enabled
// for the command, so a stock NixOS without them can be deployed to.
func (d *deployer) flakeArgs() string {
	return "--flake " + q(d.p.flake()+"#"+d.machine) + " --option experimental-features " + q("nix-command flakes")
}

// paths are the host paths a deploy uses, below a root.
type paths struct{ root string }

func hostPaths(root string) paths { return paths{root: strings.TrimSuffix(root, "/")} }

func (p paths) flake() string          { return p.root + FlakeDir }
func (p paths) state() string          { return path.Dir(p.flake()) }
func (p paths) rollbackScript() string { return p.state() + "/rollback.sh" }
func (p paths) deployed() string       { return p.root + DeployedFile }
func (p paths) profile() string        { return p.root + "/nix/var/nix/profiles/system" }
func (p paths) current() string        { return p.root + "/run/current-system" }
func (p paths) nixosMarker() string    { return p.root + "/etc/NIXOS" }

var q = sshx.Quote

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
