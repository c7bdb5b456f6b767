package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteReadRoundTripAndBackup(t *testing.T) {
	f := ForDeployment(t.TempDir())
	if s, err := f.Read(); err != nil || s != nil {
		t.Fatalf("no state yet: got %v, %v", s, err)
	}
	s := New("acme")
	s.SetResource(&Resource{Provider: "provider.hetzner.eu", Kind: "server", Name: "web1", ID: "42", Attributes: map[string]string{"type": "cx32"}})
	s.SetResource(&Resource{Provider: "provider.hetzner.eu", Kind: "firewall", Name: "acme", ID: "7"})
	if err := f.Write(s); err != nil {
		t.Fatal(err)
	}
	if s.Serial != 1 {
		t.Errorf("serial = %d after the first write", s.Serial)
	}
	s.Hosts = append(s.Hosts, &Host{Machine: "web1", SSHHostKey: "ssh-ed25519 AAAA"})
	if err := f.Write(s); err != nil {
		t.Fatal(err)
	}
	got, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != 2 || got.Lineage != s.Lineage || got.Resource("server.web1").ID != "42" || got.Host("web1") == nil {
		t.Fatalf("round trip lost data: %+v", got)
	}
	if addrs := strings.Join(got.Addresses(), " "); addrs != "firewall.acme host.web1 server.web1" {
		t.Errorf("addresses: %s", addrs)
	}
	backup, err := (&File{Path: f.Path + ".backup"}).Read()
	if err != nil || backup.Serial != 1 {
		t.Fatalf("the previous version is not kept as backup: %+v, %v", backup, err)
	}
	if !got.Remove("server.web1") || got.Remove("server.web1") {
		t.Error("Remove does not forget exactly once")
	}
}

func TestUnusableStateIsReportedAndNeverOverwritten(t *testing.T) {
	for name, content := range map[string]string{
		"broken json":     "{\n  \"version\": 1,\n  \"lineage\": \n}",
		"newer version":   `{"version": 9, "lineage": "x", "serial": 3, "deployment": "a", "resources": [], "hosts": []}`,
		"unknown field":   `{"version": 1, "lineage": "x", "serial": 3, "deployment": "a", "resources": [], "hosts": [], "token": "x"}`,
		"duplicate":       `{"version": 1, "lineage": "x", "serial": 3, "deployment": "a", "resources": [{"provider": "p", "kind": "server", "name": "a", "id": "1"}, {"provider": "p", "kind": "server", "name": "a", "id": "2"}], "hosts": []}`,
		"missing lineage": `{"version": 1, "serial": 3, "deployment": "a", "resources": [], "hosts": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			f := ForDeployment(t.TempDir())
			if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f.Path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := f.Read()
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), f.Path) {
				t.Fatalf("Read: %v", err)
			}
			if name == "broken json" && !strings.Contains(err.Error(), "line 4") {
				t.Errorf("the error does not say where: %v", err)
			}
			if err := f.Write(New("a")); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Write over an unusable file: %v", err)
			}
			if data, _ := os.ReadFile(f.Path); string(data) != content {
				t.Fatal("the unusable state file was changed")
			}
		})
	}
}

func TestLockWaitsReportsAndForceUnlocks(t *testing.T) {
	f := ForDeployment(t.TempDir())
	ctx := context.Background()
	first, err := f.Lock(ctx, "apply", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Lock(ctx, "plan", 100*time.Millisecond)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), `for "apply"`) || !strings.Contains(err.Error(), "force-unlock "+first.Info.ID) {
		t.Fatalf("second lock: %v", err)
	}
	// A waiter gets the lock once the holder releases it.
	var wg sync.WaitGroup
	wg.Add(1)
	var second *Lock
	var secondErr error
	go func() {
		defer wg.Done()
		second, secondErr = f.Lock(ctx, "apply", 5*time.Second)
	}()
	time.Sleep(100 * time.Millisecond)
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if secondErr != nil {
		t.Fatal(secondErr)
	}
	if _, err := f.ForceUnlock("wrong"); err == nil || !strings.Contains(err.Error(), "nothing was unlocked") {
		t.Fatalf("force-unlock with the wrong ID: %v", err)
	}
	if _, err := f.ForceUnlock(second.Info.ID); err != nil {
		t.Fatal(err)
	}
	// Releasing a lock that was forced away does not break a newer one.
	third, err := f.Lock(ctx, "apply", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.LockPath()); err != nil {
		t.Fatal("an old holder's release removed the new lock")
	}
	_ = third.Release()
}

// A lock left by a process of this machine that died (killed during
// apply) is replaced; the new lock says whose it was.
func TestDeadHoldersLockIsReplaced(t *testing.T) {
	f := ForDeployment(t.TempDir())
	l, err := f.Lock(context.Background(), "apply", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	data := `{"id": "` + l.Info.ID + `", "who": "ops", "host": "` + l.Info.Host + `", "pid": 4194304, "operation": "apply", "since": "2026-01-01T00:00:00Z"}`
	if err := os.WriteFile(f.LockPath(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	next, err := f.Lock(context.Background(), "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	if next.Stale == nil || next.Stale.PID != 4194304 {
		t.Fatalf("the stale lock is not reported: %+v", next.Stale)
	}
	// Another machine's lock is never judged dead.
	other := `{"id": "x", "who": "ops", "host": "elsewhere", "pid": 4194304, "operation": "apply", "since": "2026-01-01T00:00:00Z"}`
	if err := os.WriteFile(f.LockPath(), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Lock(context.Background(), "apply", 0); !errors.Is(err, ErrLocked) {
		t.Fatalf("another machine's lock: %v", err)
	}
}

// While a machine moves, two providers hold the same address: state keeps
// both, apart, and forgets one without the other.
func TestSameAddressAtTwoProviders(t *testing.T) {
	s := New("acme")
	s.SetResource(&Resource{Provider: "provider.hetzner.eu", Kind: "volume", Name: "web1-data", ID: "7"})
	s.SetResource(&Resource{Provider: "provider.aws.frankfurt", Kind: "volume", Name: "web1-data", ID: "vol-0abc"})
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	if got := s.ResourceAt("provider.aws.frankfurt", "volume.web1-data"); got == nil || got.ID != "vol-0abc" {
		t.Fatalf("ResourceAt(aws) = %+v", got)
	}
	s.RemoveAt("provider.hetzner.eu", "volume.web1-data")
	if s.ResourceAt("provider.hetzner.eu", "volume.web1-data") != nil || s.ResourceAt("provider.aws.frankfurt", "volume.web1-data") == nil {
		t.Fatalf("RemoveAt removed the wrong one: %+v", s.Resources)
	}
	if addrs := s.Addresses(); len(addrs) != 1 {
		t.Errorf("Addresses = %v", addrs)
	}
	s.SetResource(&Resource{Provider: "provider.hetzner.eu", Kind: "volume", Name: "web1-data", ID: "7"})
	if !s.Remove("volume.web1-data") || len(s.Resources) != 0 {
		t.Errorf("Remove (state rm) leaves %+v; it forgets the address at every provider", s.Resources)
	}
}

// Forgetting a host forgets the pools made on it, and only those.
func TestRemoveHostForgetsItsPools(t *testing.T) {
	s := &State{
		Hosts: []*Host{{Machine: "nas1"}, {Machine: "nas2"}},
		Pools: []*Pool{{Service: "vault", Machine: "nas1", Name: "vault"}, {Service: "vault", Machine: "nas1", Name: "vault-volumes"}, {Service: "vault", Machine: "nas2", Name: "vault-volumes"}},
	}
	if !s.Remove("host.nas1") {
		t.Fatal("host.nas1 not removed")
	}
	if len(s.Pools) != 1 || s.Pool("nas2", "vault-volumes") == nil {
		t.Errorf("pools left: %+v", s.Pools)
	}
}
