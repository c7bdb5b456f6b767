package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/generator/config"
	"github.com/freecloud/freecloud/profiles"
	"github.com/freecloud/freecloud/tests/sshhost"
)

var (
	quickstartOnce sync.Once
	quickstartTree generator.Tree
)

// quickstart is the flake generated from examples/quickstart: what the
// deploy tests upload.
func quickstart(t testing.TB) map[string][]byte {
	t.Helper()
	quickstartOnce.Do(func() {
		cat, diags := profiles.Builtin()
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		dep, _, diags := config.Load("../examples/quickstart", config.Options{Catalogue: cat})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		quickstartTree, diags = generator.Generate(dep, cat)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
	})
	if quickstartTree == nil {
		t.Fatal("the quickstart did not generate")
	}
	tree := map[string][]byte{}
	for name, data := range quickstartTree {
		tree[name] = bytes.Clone(data)
	}
	return tree
}

// fast are timeouts for the stand-in host, where a command takes a few
// milliseconds. RollbackAfter is 4 s.
var fast = deploy.Timeouts{Step: time.Second, Build: time.Second, Switch: time.Second, Confirm: 500 * time.Millisecond, Health: 500 * time.Millisecond}

func target(h *sshhost.Host, machine string, policy sshx.HostKeyPolicy) sshx.Target {
	return sshx.Target{Machine: machine, Host: h.Addr, Port: h.Port, User: h.User, HostKey: policy, ConnectTimeout: 2 * time.Second}
}

func pin(t *testing.T, key string) sshx.HostKeyPolicy {
	t.Helper()
	p, err := sshx.Pinned(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// standIn starts a host and connects to it as machine web1.
func standIn(t *testing.T) (*sshhost.Host, *sshx.Conn) {
	t.Helper()
	h := sshhost.Start(t)
	c, err := sshx.Connect(context.Background(), target(h, "web1", pin(t, h.HostKey)), sshx.SignerAuth(h.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return h, c
}

// recorder keeps a deploy's events.
type recorder struct {
	mu     sync.Mutex
	events []deploy.Event
	hook   func(deploy.Event)
}

func (r *recorder) progress(e deploy.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.hook != nil {
		r.hook(e)
	}
}

func (r *recorder) steps(machine string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var steps []string
	for _, e := range r.events {
		if e.Machine == machine {
			steps = append(steps, e.Step+" "+e.Status.String())
		}
	}
	return steps
}

func flakeArgs(h *sshhost.Host, machine string) string {
	return "--flake " + sshx.Quote(h.Root+deploy.FlakeDir+"#"+machine) + " --option experimental-features 'nix-command flakes'"
}

// armCalls are the calls that arm the rollback timer.
func armCalls(h *sshhost.Host, after int) []string {
	return []string{
		"systemctl is-active freecloud-rollback.timer",
		"systemctl reset-failed freecloud-rollback.timer freecloud-rollback.service",
		"systemd-run --unit=freecloud-rollback '--description=freecloud: roll back an unconfirmed deploy' --on-active=" +
			strconv.Itoa(after) + "s --timer-property=AccuracySec=1s /bin/sh " + h.Root + "/var/lib/freecloud/rollback.sh",
	}
}

// rollbackCalls are the calls of the rollback script returning to
// generation 1 from generation 2.
func rollbackCalls(h *sshhost.Host) []string {
	return []string{
		"nix-env -p " + h.Root + "/nix/var/nix/profiles/system --set " + h.Generation(1),
		"/nix/store/fake-1-system/bin/switch-to-configuration switch",
	}
}

func TestDeployHappyPath(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	tree := quickstart(t)
	rec := &recorder{}
	opts := deploy.Options{
		Root:     h.Root,
		Checks:   []deploy.Check{{Service: "cloud", Unit: "nextcloud-setup.service", URL: "http://127.0.0.1/status.php"}},
		Timeouts: deploy.Timeouts{Step: 10 * time.Second},
		Progress: rec.progress,
	}
	res, err := deploy.Deploy(context.Background(), conn, "web1", tree, opts)
	if err != nil {
		t.Fatal(err)
	}

	// The commands, in order.
	want := []string{"nixos-rebuild build " + flakeArgs(h, "web1")}
	want = append(want, armCalls(h, int(opts.Timeouts.RollbackAfter().Seconds()))...)
	want = append(want,
		"nixos-rebuild switch "+flakeArgs(h, "web1"),
		"/nix/store/fake-2-system/bin/switch-to-configuration switch",
		"systemctl is-system-running",
		"systemctl is-active nextcloud-setup.service",
		"curl -sS -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1/status.php",
		"systemctl stop freecloud-rollback.timer",
	)
	calls := h.Calls()
	if got := h.Commands(); !reflect.DeepEqual(got, want) {
		t.Fatalf("commands on the host:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	// Health checks and the confirmation come through a new connection.
	switchConn, confirmConn := calls[4].Conn, calls[len(calls)-1].Conn
	if switchConn == confirmConn {
		t.Errorf("the confirmation came through the connection of the switch (%s); want a new one", switchConn)
	}
	for _, c := range calls[6:] {
		if c.Conn != confirmConn {
			t.Errorf("%q came through %s, want the new connection %s", c.Line, c.Conn, confirmConn)
		}
	}

	// The events say the same.
	var wantSteps []string
	for _, s := range []string{"detect", "upload", "build", "arm-rollback", "switch", "reconnect", "health", "confirm", "record"} {
		wantSteps = append(wantSteps, s+" started", s+" done")
	}
	if got := rec.steps("web1"); !reflect.DeepEqual(got, wantSteps) {
		t.Errorf("events %q, want %q", got, wantSteps)
	}

	// The host runs generation 2, has the flake byte for byte, and
	// records the deploy.
	hash, _ := deploy.ConfigHash(tree, "web1")
	if res.Hash != hash || res.System != h.Generation(2) || res.Previous != h.Generation(1) || len(res.Upload.Sent) != len(tree) {
		t.Errorf("result %+v; want hash %s, system %s, previous %s, %d files sent", res, hash, h.Generation(2), h.Generation(1), len(tree))
	}
	if got := h.CurrentSystem(); got != "/nix/store/fake-2-system" {
		t.Errorf("the host runs %s, want generation 2", got)
	}
	sameTree(t, filepath.Join(h.Root, deploy.FlakeDir), tree)
	var record deploy.Record
	readJSON(t, filepath.Join(h.Root, deploy.DeployedFile), &record)
	if want := (deploy.Record{Format: 1, Deployment: "acme", Machine: "web1", Configuration: hash, System: h.Generation(2)}); record != want {
		t.Errorf("deployed.json: %+v, want %+v", record, want)
	}
	noPendingTimer(t, h)
	status, err := deploy.Inspect(context.Background(), conn, h.Root)
	if err != nil || !status.NixOS || status.Deployed == nil || status.Deployed.Configuration != hash || status.ChangedByHand() {
		t.Errorf("Inspect after the deploy: %+v, %v", status, err)
	}

	// A second deploy sends only what changed.
	tree["hosts/web1/configuration.nix"] = append(tree["hosts/web1/configuration.nix"], "# changed\n"...)
	res, err = deploy.Deploy(context.Background(), conn, "web1", tree, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"hosts/web1/configuration.nix"}; !reflect.DeepEqual(res.Upload.Sent, want) || len(res.Upload.Removed) != 0 {
		t.Errorf("second deploy uploaded %+v, want only %q", res.Upload, want)
	}
	if res.Hash == hash || res.Previous != h.Generation(2) || res.System != h.Generation(3) {
		t.Errorf("second deploy: %+v; want a new hash, generation 2 → 3", res)
	}
}

func TestDeployRollsBackUnhealthyGeneration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		rules map[string]sshhost.Reply
		check deploy.Check
		units []string
		want  []string
	}{{
		name: "degraded system",
		rules: map[string]sshhost.Reply{
			"systemctl is-system-running":   {Stdout: "degraded\n", Exit: 1},
			"systemctl --failed *":          {Stdout: "nginx.service loaded failed failed Nginx Web Server\n"},
			"journalctl -u nginx.service *": {Stdout: "nginx[812]: [emerg] bind() to 0.0.0.0:443 failed (98: Address already in use)\n"},
		},
		units: []string{"nginx.service"},
		want:  []string{"the system is degraded; failed units: nginx.service", "bind() to 0.0.0.0:443 failed"},
	}, {
		name: "failed service unit",
		rules: map[string]sshhost.Reply{
			"systemctl is-active lldap.service": {Stdout: "failed\n", Exit: 3},
			"journalctl -u lldap.service *":     {Stdout: "lldap[90]: Error: invalid base DN\n"},
		},
		check: deploy.Check{Service: "ldap", Unit: "lldap.service"},
		units: []string{"lldap.service"},
		want:  []string{"service ldap: unit lldap.service failed", "invalid base DN"},
	}, {
		name:  "health URL not answering",
		rules: map[string]sshhost.Reply{"curl": {Stdout: "502"}},
		check: deploy.Check{Service: "ldap", URL: "http://127.0.0.1:17170/health"},
		want:  []string{"service ldap: http://127.0.0.1:17170/health answered 502, want 2xx or 3xx"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, conn := standIn(t)
			for pattern, reply := range tc.rules {
				h.On(pattern, reply)
			}
			opts := deploy.Options{Root: h.Root, Timeouts: fast}
			if tc.check != (deploy.Check{}) {
				opts.Checks = []deploy.Check{tc.check}
			}
			_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), opts)
			t.Log(err)
			var e *deploy.Error
			if !errors.As(err, &e) || !errors.Is(err, deploy.ErrUnhealthy) || e.Step != deploy.StepHealth || !e.RolledBack {
				t.Fatalf("deploy of an unhealthy generation: %v; want a rolled back health failure", err)
			}
			var units []string
			for _, u := range e.Units {
				units = append(units, u.Unit)
			}
			if !reflect.DeepEqual(units, tc.units) {
				t.Errorf("failed units %q, want %q", units, tc.units)
			}
			for _, want := range append(tc.want, "web1: health:", "rolled back to the previous generation "+h.Generation(1)) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%s", want, err)
				}
			}
			assertRolledBack(t, h, true)
		})
	}
}

func TestDeployRollsBackWhenSSHIsLostAfterSwitch(t *testing.T) {
	t.Parallel()
	t.Run("new connections refused", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		rec := &recorder{hook: afterSwitch(func() { h.SetConnections(sshhost.Refuse) })}
		_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast, Progress: rec.progress})
		t.Log(err)
		var e *deploy.Error
		if !errors.As(err, &e) || !errors.Is(err, deploy.ErrUnconfirmed) || e.Step != deploy.StepReconnect || !e.RolledBack {
			t.Fatalf("deploy with logins refused after the switch: %v; want a rolled back reconnect failure", err)
		}
		assertRolledBack(t, h, true)
	})

	t.Run("new connections stall", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		rec := &recorder{hook: afterSwitch(func() { h.SetConnections(sshhost.Stall) })}
		start := time.Now()
		_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast, Progress: rec.progress})
		if !errors.Is(err, deploy.ErrUnconfirmed) || !errors.Is(err, sshx.ErrTimeout) {
			t.Fatalf("deploy with logins stalled after the switch: %v; want an unconfirmed, timed out reconnect", err)
		}
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("the stalled reconnect took %s; the confirm timeout is %s", elapsed, fast.Confirm)
		}
		assertRolledBack(t, h, true)
	})

	t.Run("host unreachable: it rolls itself back", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		rec := &recorder{hook: afterSwitch(func() {
			h.SetConnections(sshhost.Refuse)
			h.DropConnections()
		})}
		_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast, Progress: rec.progress})
		t.Log(err)
		var e *deploy.Error
		if !errors.As(err, &e) || e.RolledBack || !errors.Is(e.RollbackErr, sshx.ErrConnectionLost) {
			t.Fatalf("deploy to a host lost after the switch: %v; want a failure that could not roll back", err)
		}
		if !strings.Contains(err.Error(), "the host switches back to "+h.Generation(1)+" by itself") {
			t.Errorf("error does not say the host rolls back by itself:\n%s", err)
		}
		if got := h.CurrentSystem(); got != "/nix/store/fake-2-system" {
			t.Fatalf("the host runs %s right after the switch, want generation 2", got)
		}
		// The timer fires RollbackAfter (3 s) after arming.
		deadline := time.Now().Add(fast.RollbackAfter() + 3*time.Second)
		for h.CurrentSystem() != "/nix/store/fake-1-system" {
			if time.Now().After(deadline) {
				t.Fatalf("the host did not roll itself back within %s; commands:\n%s", fast.RollbackAfter(), strings.Join(h.Commands(), "\n"))
			}
			time.Sleep(50 * time.Millisecond)
		}
		assertRolledBack(t, h, true)
	})
}

func TestDeployTimeoutsAreBounded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step  string
		rule  string
		armed bool
	}{
		{deploy.StepBuild, "nixos-rebuild build *", false},
		{deploy.StepSwitch, "nixos-rebuild switch *", true},
		{deploy.StepHealth, "systemctl is-system-running", true},
	} {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			h, conn := standIn(t)
			h.On(tc.rule, sshhost.Reply{Stderr: "still working\n", Hang: true})
			start := time.Now()
			_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast})
			elapsed := time.Since(start)
			t.Log(err)
			var e *deploy.Error
			if !errors.As(err, &e) || e.Step != tc.step || !errors.Is(err, sshx.ErrTimeout) {
				t.Fatalf("deploy with a hanging %s: %v; want a timeout of that step", tc.step, err)
			}
			if !strings.Contains(err.Error(), "web1: "+tc.step+": timed out after") || !strings.Contains(err.Error(), "still working") {
				t.Errorf("error does not name machine, step and stderr:\n%s", err)
			}
			if elapsed > 4*time.Second {
				t.Errorf("the hanging %s took %s", tc.step, elapsed)
			}
			if e.Armed != tc.armed || e.RolledBack != tc.armed {
				t.Errorf("armed %v, rolled back %v; want both %v", e.Armed, e.RolledBack, tc.armed)
			}
			if tc.armed {
				// A hanging switch never switched: the rollback script
				// finds nothing to undo.
				assertRolledBack(t, h, tc.step != deploy.StepSwitch)
			} else if got := h.CurrentSystem(); got != "/nix/store/fake-1-system" {
				t.Errorf("the host runs %s after a failed build, want generation 1", got)
			}
		})
	}
}

func TestDeployRefusesWhatItCannotDo(t *testing.T) {
	t.Parallel()
	t.Run("not NixOS", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		os.Remove(filepath.Join(h.Root, "etc/NIXOS"))
		h.On("nixos-version", sshhost.Reply{Stderr: "nixos-version: command not found\n", Exit: 127})
		_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast})
		if !errors.Is(err, deploy.ErrNotNixOS) || !strings.Contains(err.Error(), "web1: detect: the machine does not run NixOS; install is needed") {
			t.Fatalf("deploy to a machine without NixOS: %v", err)
		}
		if _, err := os.Stat(filepath.Join(h.Root, deploy.FlakeDir)); !os.IsNotExist(err) {
			t.Error("the flake was uploaded to a machine without NixOS")
		}
		if status, err := deploy.Inspect(context.Background(), conn, h.Root); err != nil || status.NixOS {
			t.Errorf("Inspect: %+v, %v; want not NixOS", status, err)
		}
	})

	t.Run("unconfirmed earlier deploy", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		if _, err := conn.Run(context.Background(), "setup", "systemd-run --unit=freecloud-rollback --on-active=60s true"); err != nil {
			t.Fatal(err)
		}
		_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast})
		var e *deploy.Error
		if !errors.As(err, &e) || !errors.Is(err, deploy.ErrPending) || e.Step != deploy.StepArm || e.Armed {
			t.Fatalf("deploy over a pending rollback: %v", err)
		}
		for _, c := range h.Commands() {
			if strings.HasPrefix(c, "nixos-rebuild switch") {
				t.Errorf("switched although an earlier deploy is unconfirmed")
			}
		}
	})

	t.Run("machine not in the flake", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		_, err := deploy.Deploy(context.Background(), conn, "db9", quickstart(t), deploy.Options{Root: h.Root, Timeouts: fast})
		if err == nil || !strings.Contains(err.Error(), `machine "db9" is not in this deployment`) {
			t.Fatalf("deploy of an unknown machine: %v", err)
		}
	})
}

func TestConfigHash(t *testing.T) {
	tree := quickstart(t)
	web1, err := deploy.ConfigHash(tree, "web1")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := deploy.ConfigHash(tree, "web1")
	nas1, _ := deploy.ConfigHash(tree, "nas1")
	if web1 != again || web1 == nas1 {
		t.Fatalf("hashes: web1 %s (again %s), nas1 %s; want stable and per machine", web1, again, nas1)
	}
	tree["hosts/nas1/configuration.nix"] = append(tree["hosts/nas1/configuration.nix"], '\n')
	tree[deploy.ManifestFile] = append(tree[deploy.ManifestFile], '\n')
	if h, _ := deploy.ConfigHash(tree, "web1"); h != web1 {
		t.Error("web1's hash changed with another machine's configuration or the manifest")
	}
	tree["modules/base.nix"] = append(tree["modules/base.nix"], '\n')
	if h, _ := deploy.ConfigHash(tree, "web1"); h == web1 {
		t.Error("web1's hash did not change with a module")
	}
}

// afterSwitch runs f once the switch is done: the moment a bad
// configuration would cut the host off.
func afterSwitch(f func()) func(deploy.Event) {
	return func(e deploy.Event) {
		if e.Step == deploy.StepSwitch && e.Status == deploy.Done {
			f()
		}
	}
}

// assertRolledBack checks that the host runs generation 1 again (having
// switched back to it when it had switched away), nothing was recorded
// and no timer is left.
func assertRolledBack(t *testing.T, h *sshhost.Host, switched bool) {
	t.Helper()
	if got := h.CurrentSystem(); got != "/nix/store/fake-1-system" {
		t.Errorf("the host runs %s, want generation 1 after the rollback", got)
	}
	commands := strings.Join(h.Commands(), "\n")
	if ran := strings.Contains(commands, strings.Join(rollbackCalls(h), "\n")); ran != switched {
		t.Errorf("switching back to generation 1: %v, want %v; commands:\n%s", ran, switched, commands)
	}
	if _, err := os.Stat(filepath.Join(h.Root, deploy.DeployedFile)); !os.IsNotExist(err) {
		t.Errorf("deployed.json was written by a failed deploy")
	}
	noPendingTimer(t, h)
}

func noPendingTimer(t *testing.T, h *sshhost.Host) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(h.Root, "run/fake-units/freecloud-rollback.timer.pid")); !os.IsNotExist(err) {
		t.Errorf("the rollback timer is still pending")
	}
}

func sameTree(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		got[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("the host has %d files in %s, want %d", len(got), dir, len(want))
	}
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s on the host differs from the generated file", name)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
