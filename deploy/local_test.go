package deploy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// operator is the operator's machine in a --build-on local deploy: the
// real nix-store on a store of the test's own, and a fake nix.
//
// nix-store is real. Debian's nix-bin (2.8; tests/run installs it) works
// on a "chroot store" — NIX_REMOTE=local?root=DIR keeps the paths named
// /nix/store/… in DIR/nix/store — with no daemon, as root or not, and
// without touching the machine's /nix. So the closure is listed and the
// stream exported by the Nix an operator runs, and the host's fake
// nix-store must understand the real format.
//
// nix build is fake: a NixOS system needs nixpkgs (a download) and
// minutes to build. The fake maps the machine's configuration.nix (by
// sha256) to a system the test put into the store beforehand, or to a
// failure or a hang, and keeps the arguments and the flake it was given.
//
// NIX_REMOTE and PATH are the process's: the test that makes an operator
// cannot be parallel (its subtests can).
type operator struct {
	dir   string // builds/<sha256 of configuration.nix>/{out,stderr,hang,args,flake}
	store string // the chroot store's root
}

func newOperator(t *testing.T) *operator {
	t.Helper()
	if _, err := exec.LookPath("nix-store"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nix-store not found: apt-get install nix-bin")
		}
		t.Skip("nix-store not found (apt-get install nix-bin); skipping the tests of --build-on local")
	}
	dir := t.TempDir()
	o := &operator{dir: dir, store: filepath.Join(dir, "store")}
	// The store's paths are read-only, which would stop TempDir's
	// removal when the test does not run as root.
	t.Cleanup(func() { makeWritable(o.store) })
	for _, d := range []string{"bin", "builds"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\n# The fake nix of deploy's tests (operator, local_test.go).\nbuilds=" + sshx.Quote(filepath.Join(dir, "builds")) + "\n" + fakeNix
	if err := os.WriteFile(filepath.Join(dir, "bin", "nix"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("NIX_REMOTE", "local?root="+o.store)
	// Made once here: nix processes that find the store missing all make
	// it, and in parallel subtests they trip over each other's symlinks.
	if out, err := exec.Command("nix-store", "--init").CombinedOutput(); err != nil {
		t.Fatalf("nix-store --init (NIX_REMOTE=%s): %v\n%s", os.Getenv("NIX_REMOTE"), err, out)
	}
	return o
}

const fakeNix = `if [ "$1" != build ]; then
	echo "fake nix: no fake for: $*" >&2
	exit 1
fi
for arg in "$@"; do
	case $arg in *'#'*) installable=$arg ;; esac
done
dir=${installable#path:}
dir=${dir%%#*}
machine=${installable#*#nixosConfigurations.}
machine=${machine%%.*}
if [ ! -f "$dir/flake.nix" ]; then
	echo "error: path '$dir' does not contain a 'flake.nix'" >&2
	exit 1
fi
sum=$(sha256sum <"$dir/hosts/$machine/configuration.nix")
build=$builds/${sum%% *}
if [ ! -d "$build" ]; then
	echo "fake nix: no build for this configuration of $machine" >&2
	exit 1
fi
for arg in "$@"; do printf '%s\n' "$arg"; done >"$build/args"
rm -rf "$build/flake"
cp -R "$dir" "$build/flake"
if [ -f "$build/hang" ]; then
	sleep 60
fi
if [ -f "$build/stderr" ]; then
	cat "$build/stderr" >&2
	exit 1
fi
printf '[{"drvPath":"/nix/store/00000000000000000000000000000000-nixos-system-%s.drv","outputs":{"out":"%s"}}]\n' "$machine" "$(cat "$build/out")"
`

// add puts dir into the operator's store as a path named name that
// refers to refs, as a build's output would: nix-store --add records no
// references, so the path is imported from an export stream made here —
// the NAR from nix-store --dump, then the trailer that importPaths reads
// (NixOS/nix src/libstore/export-import.cc).
func (o *operator) add(t *testing.T, name, dir string, refs ...string) string {
	t.Helper()
	nar, err := exec.Command("nix-store", "--dump", dir).Output()
	if err != nil {
		t.Fatalf("nix-store --dump %s: %v", dir, err)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s", name, nar, strings.Join(refs, " ")))
	const base32 = "0123456789abcdfghijklmnpqrsvwxyz"
	hash := make([]byte, 32)
	for i := range hash {
		hash[i] = base32[sum[i]%32]
	}
	path := "/nix/store/" + string(hash) + "-" + name
	var b bytes.Buffer
	num := func(n uint64) { binary.Write(&b, binary.LittleEndian, n) }
	str := func(s string) {
		num(uint64(len(s)))
		b.WriteString(s)
		b.Write(make([]byte, (8-len(s)%8)%8))
	}
	num(1)
	b.Write(nar)
	num(0x4558494e)
	str(path)
	num(uint64(len(refs)))
	for _, r := range refs {
		str(r)
	}
	str("") // no deriver
	num(0)  // no legacy signature
	num(0)  // the end
	cmd := exec.Command("nix-store", "--import")
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix-store --import into the test's store (NIX_REMOTE=%s): %v\n%s", os.Getenv("NIX_REMOTE"), err, out)
	}
	return path
}

// dep is a store path for systems to refer to.
func (o *operator) dep(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "share"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "share", "README"), []byte("a dependency of "+t.Name()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return o.add(t, name, dir)
}

// system is a system for the stand-in host h, referring to dep: its
// bin/switch-to-configuration is the host's fake.
func (o *operator) system(t *testing.T, h *sshhost.Host, name, dep string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name, content string
		mode          fs.FileMode
	}{
		{"nixos-version", name + "\n", 0o644},
		{"bin/activate", "#!/bin/sh\n# activates " + name + "\n", 0o755},
		{"empty", "", 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"bin/switch-to-configuration": filepath.Join(h.Root, "fake", "bin", "switch-to-configuration"),
		"dep":                         dep,
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return o.add(t, "nixos-system-"+name, dir, dep)
}

// build is the fake nix's build of machine's configuration in tree.
func (o *operator) build(t *testing.T, tree map[string][]byte, machine string) string {
	t.Helper()
	sum := sha256.Sum256(tree["hosts/"+machine+"/configuration.nix"])
	dir := filepath.Join(o.dir, "builds", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// builds makes the build of machine's configuration in tree give system.
func (o *operator) builds(t *testing.T, tree map[string][]byte, machine, system string) {
	t.Helper()
	writeFile(t, filepath.Join(o.build(t, tree, machine), "out"), system)
}

// export is what the real nix-store --export prints for paths.
func (o *operator) export(t *testing.T, paths ...string) []byte {
	t.Helper()
	out, err := exec.Command("nix-store", append([]string{"--export"}, paths...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// distinct makes the tree's configuration of web1 one of this test's own,
// so that the fake nix gives it its own build.
func distinct(t *testing.T, tree map[string][]byte, variant string) map[string][]byte {
	const name = "hosts/web1/configuration.nix"
	tree[name] = append(tree[name], "# "+t.Name()+" "+variant+"\n"...)
	return tree
}

func localOptions(h *sshhost.Host, timeouts deploy.Timeouts) deploy.Options {
	return deploy.Options{Root: h.Root, BuildOn: deploy.BuildOnLocal, Timeouts: timeouts}
}

func TestDeployBuildOnLocal(t *testing.T) {
	op := newOperator(t)

	t.Run("copies what the host lacks and switches to it", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		ctx := context.Background()
		tree := distinct(t, quickstart(t), "first")
		dep := op.dep(t, "dep-copy")
		sys1 := op.system(t, h, "web1-first", dep)
		op.builds(t, tree, "web1", sys1)
		rec := &recorder{}
		opts := localOptions(h, deploy.Timeouts{Step: 10 * time.Second})
		opts.Progress = rec.progress
		res, err := deploy.Deploy(ctx, conn, "web1", tree, opts)
		if err != nil {
			t.Fatal(err)
		}

		// The commands on the host, in order.
		closure := slices.Sorted(slices.Values([]string{dep, sys1}))
		want := []string{
			"nix-store --check-validity --print-invalid " + strings.Join(closure, " "),
			"nix-store --import",
		}
		want = append(want, armCalls(h, int(opts.Timeouts.RollbackAfter().Seconds()))...)
		want = append(want,
			"nix-env -p "+sshx.Quote(h.Root+"/nix/var/nix/profiles/system")+" --set "+sshx.Quote(h.Root+sys1),
			sys1+"/bin/switch-to-configuration switch",
			"systemctl is-system-running",
			"systemctl stop freecloud-rollback.timer",
		)
		if got := h.Commands(); !reflect.DeepEqual(got, want) {
			t.Fatalf("commands on the host:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		var wantSteps []string
		for _, s := range []string{"detect", "upload", "build-local", "copy", "arm-rollback", "switch", "reconnect", "health", "confirm", "record"} {
			wantSteps = append(wantSteps, s+" started", s+" done")
		}
		if got := rec.steps("web1"); !reflect.DeepEqual(got, wantSteps) {
			t.Errorf("events %q, want %q", got, wantSteps)
		}

		// nix build was given the flake, in a directory since removed.
		build := op.build(t, tree, "web1")
		args := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(build, "args"))), "\n")
		installable := args[len(args)-1]
		if want := []string{"build", "--no-link", "--json", "--option", "experimental-features", "nix-command flakes"}; !reflect.DeepEqual(args[:len(args)-1], want) ||
			!strings.HasPrefix(installable, "path:/") || !strings.HasSuffix(installable, "#nixosConfigurations.web1.config.system.build.toplevel") {
			t.Errorf("nix was run with %q", args)
		}
		sameTree(t, filepath.Join(build, "flake"), tree)
		if dir := strings.TrimPrefix(strings.Split(installable, "#")[0], "path:"); exists(dir) {
			t.Errorf("the build directory %s is left behind", dir)
		}

		// The host imported exactly the export of the closure, and has
		// the system as it was built.
		stream := readFile(t, filepath.Join(h.Root, "fake/imports/1"))
		if stream != string(op.export(t, closure...)) {
			t.Errorf("the host received %d bytes, not the %d of nix-store --export of the closure", len(stream), len(op.export(t, closure...)))
		}
		if want := (deploy.ClosureCopy{Closure: 2, Sent: closure, Bytes: int64(len(stream))}); !reflect.DeepEqual(res.Copy, want) {
			t.Errorf("copy %+v, want %+v", res.Copy, want)
		}
		if detail := stepDetail(rec, "copy"); !strings.HasPrefix(detail, "2 of 2 paths sent (") || !strings.HasSuffix(detail, "), 0 already on the host") {
			t.Errorf("the copy's detail is %q", detail)
		}
		for _, p := range closure {
			sameStorePath(t, filepath.Join(op.store, p), filepath.Join(h.Root, p))
		}
		if target, err := os.Readlink(filepath.Join(h.Root, "nix/var/nix/gcroots/freecloud-system")); err != nil || target != h.Root+sys1 {
			t.Errorf("GC root on the host: %q, %v; want %s", target, err, h.Root+sys1)
		}

		// It runs the new system, recorded as deployed.
		hash, _ := deploy.ConfigHash(tree, "web1")
		if res.System != h.Root+sys1 || res.Previous != h.Generation(1) || res.Hash != hash {
			t.Errorf("result %+v; want system %s, previous %s", res, h.Root+sys1, h.Generation(1))
		}
		if got := h.CurrentSystem(); got != sys1 {
			t.Errorf("the host runs %s, want %s", got, sys1)
		}
		sameTree(t, filepath.Join(h.Root, deploy.FlakeDir), tree)
		var record deploy.Record
		readJSON(t, filepath.Join(h.Root, deploy.DeployedFile), &record)
		if want := (deploy.Record{Format: 1, Deployment: "acme", Machine: "web1", Configuration: hash, System: h.Root + sys1}); record != want {
			t.Errorf("deployed.json: %+v, want %+v", record, want)
		}
		noPendingTimer(t, h)
		if status, err := deploy.Inspect(ctx, conn, h.Root); err != nil || status.ChangedByHand() {
			t.Errorf("Inspect after the deploy: %+v, %v", status, err)
		}

		// Deployed again, the host has everything: nothing is sent.
		before := len(h.Commands())
		rec.events = nil
		res, err = deploy.Deploy(ctx, conn, "web1", tree, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Copy.Closure != 2 || len(res.Copy.Sent) != 0 || res.Copy.Bytes != 0 {
			t.Errorf("second deploy copied %+v, want nothing", res.Copy)
		}
		if detail := stepDetail(rec, "copy"); detail != "nothing to send: the host has all 2 paths" {
			t.Errorf("the second copy's detail is %q", detail)
		}
		for _, c := range h.Commands()[before:] {
			if c == "nix-store --import" {
				t.Error("the second deploy imported something")
			}
		}

		// A new system that shares the dependency: only it is sent.
		tree = distinct(t, tree, "second")
		sys2 := op.system(t, h, "web1-second", dep)
		op.builds(t, tree, "web1", sys2)
		res, err = deploy.Deploy(ctx, conn, "web1", tree, opts)
		if err != nil {
			t.Fatal(err)
		}
		stream = readFile(t, filepath.Join(h.Root, "fake/imports/2"))
		if want := (deploy.ClosureCopy{Closure: 2, Sent: []string{sys2}, Bytes: int64(len(stream))}); !reflect.DeepEqual(res.Copy, want) {
			t.Errorf("third deploy copied %+v, want %+v", res.Copy, want)
		}
		if stream != string(op.export(t, sys2)) {
			t.Error("the third deploy did not send exactly the export of the new system")
		}
		if res.Previous != h.Root+sys1 || res.System != h.Root+sys2 || h.CurrentSystem() != sys2 {
			t.Errorf("third deploy: %+v, the host runs %s; want %s → %s", res, h.CurrentSystem(), sys1, sys2)
		}
	})

	t.Run("a failed build stops before the host changes", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		tree := distinct(t, quickstart(t), "")
		var log strings.Builder
		log.WriteString("an early line\n")
		for i := range 25 {
			fmt.Fprintf(&log, "evaluating step %d\n", i)
		}
		log.WriteString("error: attribute 'nextcloud30' missing\n       at /nix/store/x-source/hosts/web1/configuration.nix:12:5\n")
		writeFile(t, filepath.Join(op.build(t, tree, "web1"), "stderr"), log.String())
		_, err := deploy.Deploy(context.Background(), conn, "web1", tree, localOptions(h, fast))
		t.Log(err)
		var e *deploy.Error
		if !errors.As(err, &e) || e.Step != deploy.StepBuildLocal || e.Armed {
			t.Fatalf("deploy with a failing local build: %v; want a build-local failure before arming", err)
		}
		for _, want := range []string{"web1: build-local: nix build failed: exit status 1; stderr:", "error: attribute 'nextcloud30' missing", "configuration.nix:12:5"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q", want)
			}
		}
		if strings.Contains(err.Error(), "an early line") {
			t.Error("error carries the whole log, not its end")
		}
		for _, c := range h.Commands() {
			if !strings.HasPrefix(c, "nixos-version") {
				t.Errorf("the host ran %q after a failed local build", c)
			}
		}
		assertRolledBack(t, h, false)
	})

	t.Run("the local build is bounded", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		tree := distinct(t, quickstart(t), "")
		writeFile(t, filepath.Join(op.build(t, tree, "web1"), "hang"), "")
		start := time.Now()
		_, err := deploy.Deploy(context.Background(), conn, "web1", tree, localOptions(h, fast))
		var e *deploy.Error
		if !errors.As(err, &e) || e.Step != deploy.StepBuildLocal || !errors.Is(err, sshx.ErrTimeout) {
			t.Fatalf("deploy with a hanging local build: %v; want a build-local timeout", err)
		}
		if elapsed := time.Since(start); elapsed > 4*time.Second {
			t.Errorf("the hanging build took %s; the build timeout is %s", elapsed, fast.Build)
		}
	})

	t.Run("a failed import is the host's error", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct{ stderr, want string }{
			{"error: writing to file: No space left on device\n", "No space left on device"},
			{"error: cannot add path '/nix/store/x-nixos-system' because it lacks a signature by a trusted key\n", "add the SSH user to nix.settings.trusted-users"},
		} {
			h, conn := standIn(t)
			tree := distinct(t, quickstart(t), tc.want)
			op.builds(t, tree, "web1", op.system(t, h, "web1", op.dep(t, "dep-import")))
			h.On("nix-store --import", sshhost.Reply{Stderr: tc.stderr, Exit: 1})
			_, err := deploy.Deploy(context.Background(), conn, "web1", tree, localOptions(h, fast))
			t.Log(err)
			var e *deploy.Error
			if !errors.As(err, &e) || e.Step != deploy.StepCopy || e.Armed || !errors.Is(err, sshx.ErrExit) {
				t.Fatalf("deploy with a failing import: %v; want a copy failure before arming", err)
			}
			for _, want := range []string{"web1: copy: command failed: exit status 1; remote stderr:", tc.stderr[:len(tc.stderr)-1], tc.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%s", want, err)
				}
			}
			assertRolledBack(t, h, false)
		}
	})

	t.Run("an unhealthy system is rolled back", func(t *testing.T) {
		t.Parallel()
		h, conn := standIn(t)
		tree := distinct(t, quickstart(t), "")
		sys := op.system(t, h, "web1-unhealthy", op.dep(t, "dep-unhealthy"))
		op.builds(t, tree, "web1", sys)
		h.On("systemctl is-active lldap.service", sshhost.Reply{Stdout: "failed\n", Exit: 3})
		opts := localOptions(h, fast)
		opts.Checks = []deploy.Check{{Service: "ldap", Unit: "lldap.service"}}
		rec := &recorder{hook: afterSwitch(func() {
			if got := h.CurrentSystem(); got != sys {
				t.Errorf("after the switch the host runs %s, want %s", got, sys)
			}
		})}
		opts.Progress = rec.progress
		_, err := deploy.Deploy(context.Background(), conn, "web1", tree, opts)
		t.Log(err)
		var e *deploy.Error
		if !errors.As(err, &e) || e.Step != deploy.StepHealth || !e.RolledBack || !strings.Contains(err.Error(), "unit lldap.service failed") {
			t.Fatalf("deploy of an unhealthy system: %v; want a rolled back health failure", err)
		}
		assertRolledBack(t, h, true)
	})
}

func TestDeployBuildOnLocalNeedsNix(t *testing.T) {
	h, conn := standIn(t)
	t.Setenv("PATH", t.TempDir())
	_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), localOptions(h, fast))
	var e *deploy.Error
	if !errors.As(err, &e) || e.Step != deploy.StepBuildLocal || !errors.Is(err, deploy.ErrNoLocalNix) {
		t.Fatalf("deploy building locally without Nix: %v; want ErrNoLocalNix at build-local", err)
	}
	if want := "web1: build-local: --build-on local needs Nix on this machine: nix is not on PATH; install Nix (https://nixos.org/download), or build on the host (--build-on host, the default)"; err.Error() != want {
		t.Errorf("error:\n  %s\nwant:\n  %s", err, want)
	}
}

func TestBuildOn(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]deploy.BuildOn{"host": deploy.BuildOnHost, "local": deploy.BuildOnLocal} {
		if got, err := deploy.ParseBuildOn(in); got != want || err != nil {
			t.Errorf("ParseBuildOn(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := deploy.ParseBuildOn("remote"); err == nil || err.Error() != `build location "remote": want "host" (the default) or "local"` {
		t.Errorf("ParseBuildOn(remote): %v", err)
	}

	h, conn := standIn(t)
	_, err := deploy.Deploy(context.Background(), conn, "web1", quickstart(t), deploy.Options{Root: h.Root, BuildOn: "remote", Timeouts: fast})
	var e *deploy.Error
	if !errors.As(err, &e) || e.Step != deploy.StepDetect || !strings.Contains(err.Error(), `build location "remote"`) {
		t.Fatalf("deploy with BuildOn remote: %v", err)
	}
	if len(h.Commands()) != 0 {
		t.Errorf("the host ran %q", h.Commands())
	}
}

// stepDetail is the detail of the last event ending step.
func stepDetail(r *recorder, step string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	detail := ""
	for _, e := range r.events {
		if e.Step == step && e.Status == deploy.Done {
			detail = e.Detail
		}
	}
	return detail
}

// sameStorePath compares a store path in the operator's store with the
// one the host imported: files, their executable bit, symlinks.
func sameStorePath(t *testing.T, local, host string) {
	t.Helper()
	describe := func(root string) map[string]string {
		tree := map[string]string{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			info, err := d.Info()
			if err != nil {
				return err
			}
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(path)
				tree[rel] = "symlink to " + target
				return err
			case d.IsDir():
				tree[rel] = "directory"
			default:
				data, err := os.ReadFile(path)
				tree[rel] = fmt.Sprintf("file %q, executable %v", data, info.Mode()&0o100 != 0)
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return tree
	}
	if l, h := describe(local), describe(host); !reflect.DeepEqual(l, h) {
		t.Errorf("%s on the host differs from the one built:\n  host:  %v\n  built: %v", strings.TrimPrefix(host, filepath.Dir(filepath.Dir(filepath.Dir(host)))), h, l)
	}
}

func makeWritable(root string) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o755)
		}
		return nil
	})
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
