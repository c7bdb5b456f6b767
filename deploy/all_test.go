package deploy_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
)

// fleet starts n stand-in hosts, all accepting one client key, to deploy
// the quickstart's machines web1, nas1 and a copy of web1 named web3.
func fleet(t *testing.T, n int) ([]*sshhost.Host, *sshx.Auth, []deploy.Job) {
	t.Helper()
	var hosts []*sshhost.Host
	var signers []ssh.Signer
	var jobs []deploy.Job
	tree := withCopy(t, quickstart(t), "web1", "web3")
	for _, machine := range []string{"web1", "nas1", "web3"}[:n] {
		h := sshhost.Start(t)
		hosts = append(hosts, h)
		signers = append(signers, h.ClientKey)
		jobs = append(jobs, deploy.Job{Target: target(h, machine, pin(t, h.HostKey)), Tree: tree, Options: deploy.Options{Root: h.Root, Timeouts: fast}})
	}
	return hosts, sshx.SignerAuth(signers...), jobs
}

// withCopy adds machine to as a copy of machine from, with its files and
// manifest entry.
func withCopy(t *testing.T, tree map[string][]byte, from, to string) map[string][]byte {
	t.Helper()
	for name, data := range tree {
		if rest, ok := strings.CutPrefix(name, "hosts/"+from+"/"); ok {
			tree["hosts/"+to+"/"+rest] = data
		}
	}
	var manifest map[string]any
	if err := json.Unmarshal(tree[deploy.ManifestFile], &manifest); err != nil {
		t.Fatal(err)
	}
	machines := manifest["machines"].(map[string]any)
	machines[to] = machines[from]
	data, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	tree[deploy.ManifestFile] = data
	return tree
}

type events struct {
	mu  sync.Mutex
	all []deploy.Event
}

func (e *events) add(ev deploy.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// of returns "step status" of one host's events.
func (e *events) of(machine string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if ev.Machine == machine {
			out = append(out, ev.Step+" "+ev.Status.String())
		}
	}
	return out
}

func TestDeployAllOneFailureDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	hosts, auth, jobs := fleet(t, 3)
	hosts[1].On("nixos-rebuild switch *", sshhost.Reply{Stderr: "error: builder for '/nix/store/…-nas1.drv' failed\n", Exit: 1})
	var ev events
	sum := deploy.DeployAll(context.Background(), auth, jobs, 3, false, ev.add)

	ok, failed := sum.Outcomes[0], sum.Outcomes[1]
	if ok.Err != nil || ok.Result == nil || sum.Outcomes[2].Err != nil {
		t.Fatalf("the healthy hosts failed: %v, %v", ok.Err, sum.Outcomes[2].Err)
	}
	var e *deploy.Error
	if !errors.As(failed.Err, &e) || e.Step != deploy.StepSwitch || !e.RolledBack || !strings.Contains(failed.Err.Error(), "builder for") {
		t.Errorf("nas1: %v; want a rolled back switch failure with the remote stderr", failed.Err)
	}
	if err := sum.Err(); err == nil || err.Error() != "2 of 3 hosts deployed; failed: nas1" {
		t.Errorf("summary: %v", err)
	}
	if ok.HostKey != hosts[0].HostKey || ok.TOFU {
		t.Errorf("outcome host key %q (TOFU %v), want the pinned %q", ok.HostKey, ok.TOFU, hosts[0].HostKey)
	}
	for i, h := range hosts {
		want := "/nix/store/fake-2-system"
		if i == 1 {
			want = "/nix/store/fake-1-system"
		}
		if got := h.CurrentSystem(); got != want {
			t.Errorf("host %d runs %s, want %s", i, got, want)
		}
	}
	// The three ran at once: all had connected before the first ended.
	ev.mu.Lock()
	connected, firstEnd := 0, -1
	for i, e := range ev.all {
		if e.Step == deploy.StepConnect && e.Status == deploy.Done {
			connected++
		}
		if e.Step == deploy.StepDeploy && firstEnd < 0 {
			firstEnd, connected = i, connected-3
		}
	}
	ev.mu.Unlock()
	if connected != 0 || firstEnd < 0 {
		t.Errorf("the deploys did not run concurrently")
	}
	// Every host reported its progress, from connect to the end.
	steps := ev.of("nas1")
	if len(steps) < 3 || steps[0] != "connect started" || steps[len(steps)-1] != "deploy failed" {
		t.Errorf("nas1's events: %q", steps)
	}
	if !contains(steps, "rollback done") {
		t.Errorf("nas1's events do not report the rollback: %q", steps)
	}
	for _, m := range []string{"web1", "web3"} {
		if steps := ev.of(m); !contains(steps, "record done") || steps[len(steps)-1] != "deploy done" {
			t.Errorf("%s's events: %q", m, steps)
		}
	}
}

func TestDeployAllFailFast(t *testing.T) {
	t.Parallel()
	hosts, auth, jobs := fleet(t, 3)
	// The failing host first, one at a time: the others never start.
	hosts[1].On("nixos-rebuild build *", sshhost.Reply{Stderr: "error: attribute 'nas1' missing\n", Exit: 1})
	jobs[0], jobs[1] = jobs[1], jobs[0]
	var ev events
	sum := deploy.DeployAll(context.Background(), auth, jobs, 1, true, ev.add)
	if sum.Outcomes[0].Err == nil || !sum.Outcomes[1].Skipped || !sum.Outcomes[2].Skipped {
		t.Fatalf("fail-fast outcomes: %+v", sum.Outcomes)
	}
	if err := sum.Err(); err == nil || err.Error() != "0 of 3 hosts deployed; failed: nas1; not started: web1, web3" {
		t.Errorf("summary: %v", err)
	}
	for _, i := range []int{0, 2} {
		if calls := hosts[i].Commands(); len(calls) != 0 {
			t.Errorf("a skipped host was touched: %q", calls)
		}
	}
	for _, m := range []string{"web1", "web3"} {
		if got := ev.of(m); !reflect.DeepEqual(got, []string{"deploy skipped"}) {
			t.Errorf("skipped host %s's events: %q", m, got)
		}
	}
}

func TestDeployAllHostKeys(t *testing.T) {
	t.Parallel()
	hosts, auth, jobs := fleet(t, 2)

	// web1 is pinned to a key it does not have; nas1 is met for the
	// first time.
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	wrong, _ := ssh.NewPublicKey(pub)
	jobs[0].Target.HostKey = pin(t, string(ssh.MarshalAuthorizedKey(wrong)))
	jobs[1].Target.HostKey = sshx.TrustOnFirstUse()
	var ev events
	sum := deploy.DeployAll(context.Background(), auth, jobs, 2, false, ev.add)

	var mismatch *sshx.HostKeyError
	if err := sum.Outcomes[0].Err; !errors.As(err, &mismatch) || !strings.Contains(err.Error(), ssh.FingerprintSHA256(wrong)) {
		t.Errorf("web1 with a changed host key: %v; want a HostKeyError naming both fingerprints", err)
	}
	if calls := hosts[0].Commands(); len(calls) != 0 {
		t.Errorf("commands ran on a host whose key changed: %q", calls)
	}
	tofu := sum.Outcomes[1]
	if tofu.Err != nil || !tofu.TOFU || tofu.HostKey != hosts[1].HostKey {
		t.Errorf("nas1 on first use: %+v; want deployed, TOFU, key %q", tofu, hosts[1].HostKey)
	}
	if !contains(ev.of("nas1"), "connect note") {
		t.Errorf("trust on first use is not reported: %q", ev.of("nas1"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
