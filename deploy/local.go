package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
)

// BuildOn says where a deploy builds the new system.
type BuildOn string

const (
	// BuildOnHost builds on the host (nixos-rebuild build): the operator
	// needs no Nix. The default (also for "").
	BuildOnHost BuildOn = "host"
	// BuildOnLocal builds with the operator's Nix and sends the closure
	// to the host over freecloud's SSH connection: for small hosts that
	// cannot build a system, or to build once for many hosts.
	BuildOnLocal BuildOn = "local"
)

// ParseBuildOn reads a --build-on value.
func ParseBuildOn(s string) (BuildOn, error) {
	switch b := BuildOn(s); b {
	case BuildOnHost, BuildOnLocal:
		return b, nil
	}
	return "", fmt.Errorf("build location %q: want %q (the default) or %q", s, BuildOnHost, BuildOnLocal)
}

// ErrNoLocalNix: BuildOnLocal needs nix and nix-store on this machine.
var ErrNoLocalNix = errors.New("--build-on local needs Nix on this machine")

// A ClosureCopy says what a deploy with BuildOnLocal sent to the host.
type ClosureCopy struct {
	// Closure counts the store paths of the new system and everything
	// it refers to.
	Closure int
	// Sent are the paths of the closure the host lacked, sorted: only
	// those were sent.
	Sent []string
	// Bytes is the size of the nix-store --export stream sent.
	Bytes int64
}

// storePathRe is a store path as the host's tools are given it: the
// paths go through the shell and xargs, so nothing else may pass.
var storePathRe = regexp.MustCompile(`^/nix/store/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$`)

// gcRoot is a GC root on the host for the system being deployed, made
// before its closure is sent: nix-store --import registers no root, and
// a garbage collection (nix.gc.automatic) between the copy and the
// switch would otherwise delete what was just sent. It stays, pointing at
// the system last sent, as nixos-rebuild build's ./result does on the
// host.
const gcRoot = "/nix/var/nix/gcroots/freecloud-system"

// buildLocal builds machine's system with the operator's Nix, from the
// flake written to a temporary directory (a path: flake, so no git is
// needed), and notes the store path.
func (d *deployer) buildLocal(ctx context.Context) error {
	if err := lookNix(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "freecloud-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := writeTree(dir, d.tree); err != nil {
		return err
	}
	out, err := runLocal(ctx, nil, nil, "nix", "build", "--no-link", "--json",
		"--option", "experimental-features", "nix-command flakes",
		"path:"+dir+"#nixosConfigurations."+d.machine+".config.system.build.toplevel")
	if err != nil {
		return err
	}
	built, err := builtPath(out)
	if err != nil {
		return err
	}
	d.localBuilt = built
	d.built = d.p.root + built
	d.record.System, d.result.System = d.built, d.built
	d.detail = built
	return nil
}

// lookNix checks for the tools BuildOnLocal runs.
func lookNix() error {
	for _, tool := range []string{"nix", "nix-store"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s is not on PATH; install Nix (https://nixos.org/download), or build on the host (--build-on host, the default)", ErrNoLocalNix, tool)
		}
	}
	return nil
}

// builtPath reads nix build --json: [{"drvPath": …, "outputs": {"out":
// …}}]. (--print-out-paths would be simpler, but Nix before 2.9, such as
// Debian's nix-bin 2.8, does not have it.)
func builtPath(out []byte) (string, error) {
	var results []struct {
		Outputs map[string]string `json:"outputs"`
		Path    string            `json:"path"`
	}
	if err := json.Unmarshal(out, &results); err != nil || len(results) != 1 {
		return "", fmt.Errorf("nix build --json printed %q: want one result", abbreviate(out))
	}
	p := results[0].Outputs["out"]
	if p == "" {
		p = results[0].Path
	}
	if !storePathRe.MatchString(p) {
		return "", fmt.Errorf("nix build built %q, not a path in /nix/store: the host's store is at /nix/store, and only its paths can be sent", p)
	}
	return p, nil
}

// copyClosure sends the closure of the built system to the host over the
// deploy's SSH connection — not with nix copy --to ssh://, which would run
// the system ssh and bypass the pinned host key. The host is asked which
// paths it lacks, and only those are streamed, from nix-store --export
// here into nix-store --import there, through one SSH session.
//
// Signatures: nix-store --import passes NoCheckSigs, and as root the
// store honours it — LocalStore::addToStore checks signatures only when
// asked to, and nix-daemon asks only for users not in trusted-users
// (default: root). So imports need no signing key as long as the deploy
// logs in as root, which it must anyway to switch. For another user the
// daemon requires a signature by a trusted key; that failure gets a hint.
// (NixOS/nix at 2.8.0, 69c6fb12: src/nix-store/nix-store.cc opImport,
// src/libstore/export-import.cc importPaths, src/libstore/local-store.cc
// LocalStore::addToStore, src/libstore/daemon.cc wopImportPaths and
// wopAddToStoreNar; unchanged at master 88b09c64, where nix-store.cc
// moved to src/nix/nix-store/.)
func (d *deployer) copyClosure(ctx context.Context) error {
	out, err := runLocal(ctx, nil, nil, "nix-store", "--query", "--requisites", d.localBuilt)
	if err != nil {
		return err
	}
	closure := strings.Fields(string(out))
	for _, p := range closure {
		if !storePathRe.MatchString(p) {
			return fmt.Errorf("nix-store --query --requisites printed %q, not a store path", p)
		}
	}
	slices.Sort(closure)
	d.result.Copy.Closure = len(closure)

	// Root the system first, then ask: what the host has then stays.
	ask := fmt.Sprintf("mkdir -p %s && ln -sfn %s %s && xargs -r nix-store --check-validity --print-invalid",
		q(d.p.root+path.Dir(gcRoot)), q(d.built), q(d.p.root+gcRoot))
	r, err := d.conn.RunInput(ctx, StepCopy, ask, strings.NewReader(strings.Join(closure, "\n")+"\n"))
	if err != nil {
		return err
	}
	missing := intersect(closure, strings.Fields(string(r.Stdout)))
	if len(missing) == 0 {
		d.detail = fmt.Sprintf("nothing to send: the host has all %d paths", len(closure))
		return nil
	}

	sent, imported, err := d.stream(ctx, missing)
	d.result.Copy.Bytes = sent
	if err != nil {
		return err
	}
	if lacking := subtract(missing, imported); len(lacking) > 0 {
		return fmt.Errorf("nix-store --import on the host did not import %s", strings.Join(lacking, ", "))
	}
	d.result.Copy.Sent = missing
	d.detail = fmt.Sprintf("%d of %d paths sent (%s), %d already on the host", len(missing), len(closure), size(sent), len(closure)-len(missing))
	return nil
}

// stream pipes nix-store --export of paths into nix-store --import on the
// host, and returns the bytes sent and the paths the host imported.
func (d *deployer) stream(ctx context.Context, paths []string) (int64, []string, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, nil, err
	}
	var exportFailed atomic.Bool
	export := make(chan error, 1)
	go func() {
		_, err := runLocal(ctx, nil, pw, "nix-store", append([]string{"--export"}, paths...)...)
		exportFailed.Store(err != nil)
		pw.Close()
		export <- err
	}()
	in := &counter{r: pr}
	r, err := d.conn.RunInput(ctx, StepCopy, "nix-store --import", in)
	// The host cannot see the stream end before pw is closed, after
	// exportFailed is set: an export failed by now failed on its own, and
	// is the cause of whatever the host says about a short stream. An
	// export still running is stopped by closing the pipe, and its error
	// then only a consequence of the host's.
	own := exportFailed.Load()
	pr.Close()
	exportErr := <-export
	switch {
	case own:
		return in.n.Load(), nil, exportErr
	case err != nil:
		return in.n.Load(), nil, signatureHint(err)
	case exportErr != nil:
		return in.n.Load(), nil, exportErr
	}
	return in.n.Load(), strings.Fields(string(r.Stdout)), nil
}

// signatureHint explains an import refused for want of signatures.
func signatureHint(err error) error {
	var se *sshx.Error
	if errors.As(err, &se) && strings.Contains(se.Stderr, "lacks a") && strings.Contains(se.Stderr, "signature") {
		return &hinted{err: err, hint: "the host's Nix requires signed paths from users it does not trust: deploy as root (the default), or add the SSH user to nix.settings.trusted-users on the host"}
	}
	return err
}

// A hinted error tells the operator what to do about err.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "; " + h.hint }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }

// switchLocal points the system profile at the copied system and
// activates it, as nixos-rebuild switch does after its build.
// switch-to-configuration's output goes to a log on the host and not to
// the SSH session: an activation that cuts the connection (a firewall or
// network change, sshd restarting) must not die writing to it halfway
// (nixos-rebuild runs it in a transient systemd unit for the same
// reason). A failure shows the log's end.
func (d *deployer) switchLocal(ctx context.Context) error {
	log := q(d.p.state() + "/switch.log")
	cmd := fmt.Sprintf("nix-env -p %s --set %s && { %s switch >%s 2>&1 </dev/null; s=$?; if [ $s -ne 0 ]; then tail -n %d %s >&2; fi; exit $s; }",
		q(d.p.profile()), q(d.built), q(d.built+"/bin/switch-to-configuration"), log, sshx.StderrTailLines, log)
	_, err := d.conn.Run(ctx, StepSwitch, cmd)
	return err
}

// writeTree writes the flake for the local build.
func writeTree(dir string, tree map[string][]byte) error {
	for name, data := range tree {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if !strings.HasPrefix(file, dir+string(filepath.Separator)) {
			return fmt.Errorf("%q is not a relative path in the flake", name)
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runLocal runs a command on this machine, bounded by ctx, with stdin
// when not nil, and returns its stdout — or writes it to stdout when not
// nil. A failure says how it ended, with the end of its stderr.
func runLocal(ctx context.Context, stdin io.Reader, stdout io.Writer, name string, args ...string) ([]byte, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, name, args...)
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	stderr := &tailBuffer{max: 64 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	err := cmd.Run()
	if err == nil {
		return out.Bytes(), nil
	}
	what := name
	if len(args) > 0 {
		what += " " + args[0]
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("%s %w after %s", what, sshx.ErrTimeout, time.Since(start).Round(time.Millisecond))
	case ctx.Err() != nil:
		err = fmt.Errorf("%s %w", what, sshx.ErrCanceled)
	default:
		err = fmt.Errorf("%s failed: %w", what, err)
	}
	if tail := stderr.tail(sshx.StderrTailLines); tail != "" {
		err = fmt.Errorf("%w; stderr:\n    %s", err, strings.ReplaceAll(tail, "\n", "\n    "))
	}
	return nil, err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

// tail is the last n lines, trimmed.
func (b *tailBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(b.buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// counter counts what is read through it. The SSH session may still read
// from it after RunInput returned, hence the atomic.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// intersect is the elements of sorted that are in other, in order.
func intersect(sorted, other []string) []string {
	in := map[string]bool{}
	for _, s := range other {
		in[s] = true
	}
	var both []string
	for _, s := range sorted {
		if in[s] {
			both = append(both, s)
		}
	}
	return both
}

// subtract is the elements of a that are not in b.
func subtract(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var rest []string
	for _, s := range a {
		if !in[s] {
			rest = append(rest, s)
		}
	}
	return rest
}

// size is a byte count for people.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func abbreviate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
