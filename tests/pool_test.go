package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/state"
	"github.com/freecloud/freecloud/storage"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// rawDisk is where each stand-in machine has the disk it contributes.
const rawDisk = "/dev/sdb"

// TestPoolMadeOnceAndRepaired: ten machines lend their raw disks, and
// nas1 keeps a RAIDZ3 pool on eight of them. apply makes every
// provider's pool on its blank disk (never formatting it as a data
// disk), waits while nas1's volumes are not attached, then makes nas1's
// pool once they are; the next apply has nothing to do. When a provider
// is gone, storage status shows the pool degraded with its replacement,
// and apply has ZFS rebuild onto the replacement volume.
func TestPoolMadeOnceAndRepaired(t *testing.T) {
	var names []string
	hosts := map[string]*sshhost.Host{}
	var roots []string
	for i := 1; i <= 10; i++ {
		n := fmt.Sprintf("nas%d", i)
		names = append(names, n)
		hosts[n] = sshhost.Start(t)
		hosts[n].AcceptClientOf(hosts["nas1"])
		hosts[n].AttachDisk(rawDisk)
		roots = append(roots, n+"="+hosts[n].Root)
		publish(t, hosts[n], "office", "public_key", wireguardKey(n))
	}
	op := newOperator(t, hosts["nas1"], "FREECLOUD_DEPLOY_ROOT="+strings.Join(roots, ","))
	write := func(members []string) {
		var conf strings.Builder
		conf.WriteString("deployment \"lab\" {}\nprovider \"baremetal\" \"office\" {}\n")
		var refs []string
		for _, n := range members {
			conf.WriteString(officeMachine(n, hosts[n], fmt.Sprintf("  disks = [{ name = \"pool\", size = 1000, format = \"raw\", device = %q }]\n", rawDisk)))
			refs = append(refs, "machine."+n)
		}
		conf.WriteString(officeMesh(refs))
		fmt.Fprintf(&conf, `service "vault" {
  profile = "zfs-iscsi-pool"
  roles   = { provider = [%[1]s], consumer = [machine.nas1] }
}
`, strings.Join(refs, ", "))
		op.write(conf.String())
	}
	run := func(args ...string) (string, int) { return op.run(hosts["nas1"], args...) }
	readState := func() *state.State {
		st, err := state.ForDeployment(op.dir).Read()
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// placed is nas1's pool as storage status reports it.
	placed := func() storage.Pool {
		out, code := run("storage", "status", "--format", "json")
		var r storage.Report
		report := out[max(strings.Index(out, "{\n  \"services\""), 0):] // after the warnings on stderr
		if code != 0 || json.Unmarshal([]byte(report), &r) != nil || len(r.Services) != 1 || len(r.Services[0].Pools) != 1 {
			t.Fatalf("storage status (exit %d):\n%s", code, out)
		}
		return r.Services[0].Pools[0]
	}
	// device is where nas1 sees its volume on provider once logged in.
	device := func(provider string) string {
		return generator.DevicePath(generator.Portal(readState().Host(provider).MeshAddress), generator.TargetIQN("vault", provider, "nas1"))
	}
	write(names)

	out, code := run("plan")
	op.expect(out, code, 0,
		"> service.vault on host.nas7: create pool vault-volumes on its raw disk pool (/dev/sdb), if blank; one already there is imported",
		"> service.vault on host.nas1: create pool vault: RAIDZ3 over 8 volumes of 100 GB on nas")

	// The providers' pools are made; nas1's volumes are not attached yet.
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "service.vault on host.nas4: created pool vault-volumes on /dev/sdb",
		"service.vault on host.nas1: pool vault is made once its 8 volumes are attached; not yet: the volume on nas10, the volume on nas2,", "a later apply goes on")
	for _, n := range names {
		if tags, _ := hosts[n].Disk(rawDisk); tags["TYPE"] != "zfs_member" || tags["LABEL"] != "vault-volumes" {
			t.Errorf("%s's raw disk holds %v, want the pool vault-volumes", n, tags)
		}
		if !slices.Contains(hosts[n].Commands(), "systemctl restart freecloud-zvols.service iscsi-target.service") {
			t.Errorf("%s: the units serving its volumes were not restarted", n)
		}
	}
	st := readState()
	if len(st.Pools) != 10 || len(st.Volumes) != 0 {
		t.Fatalf("state: %d pools, %d volumes", len(st.Pools), len(st.Volumes))
	}

	// Its providers export them, and nas1 logs in: the pool is made.
	pool := placed()
	for _, v := range pool.Volumes {
		hosts["nas1"].AttachDisk(device(v.Provider))
	}
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "service.vault on host.nas1: created pool vault: RAIDZ3 over 8 volumes on")
	devices, imported := hosts["nas1"].Pool("vault")
	if !imported || len(devices) != 8 {
		t.Fatalf("nas1's pool: %v (imported %v)", devices, imported)
	}
	st = readState()
	if len(st.Pools) != 11 || len(st.Volumes) != 8 || st.Pool("nas1", "vault") == nil {
		t.Fatalf("state: %d pools, %d volumes", len(st.Pools), len(st.Volumes))
	}
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "No changes.")
	if readState().Serial != st.Serial {
		t.Error("an apply with nothing to do wrote state")
	}
	out, code = run("storage", "status", "--live")
	op.expect(out, code, 0, "created; imported from now on, healthy as placed", "live: ONLINE, all 8 devices online")

	// A provider of nas1's volumes is gone for good.
	lost := pool.Volumes[3].Provider
	lostDevice := device(lost)
	hosts["nas1"].DetachDisk(lostDevice)
	write(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == lost }))
	repaired := placed()
	if len(repaired.Lost) != 1 || len(repaired.Replacements) != 1 || repaired.Lost[0].Provider != lost {
		t.Fatalf("placement after losing %s: %+v", lost, repaired)
	}
	spare := repaired.Replacements[0].Provider
	out, code = run("storage", "status", "--live")
	op.expect(out, code, 0, "DEGRADED: 1 volume(s) lost with their provider", "+ replacement on "+spare,
		"live: DEGRADED", "! UNAVAIL "+lostDevice+" (gone)")
	out, code = run("plan")
	op.expect(out, code, 0, "> service.vault on host.nas1: replace in pool vault, a new volume on "+spare+" replaces the one lost with "+lost)

	hosts["nas1"].AttachDisk(device(spare))
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "service.vault on host.nas1: replacing "+lostDevice+" by "+device(spare))
	if devices, _ := hosts["nas1"].Pool("vault"); !slices.Contains(devices, hosts["nas1"].Root+device(spare)) || slices.Contains(devices, hosts["nas1"].Root+lostDevice) {
		t.Errorf("nas1's pool after the replacement: %v", devices)
	}
	for _, v := range readState().Volumes {
		if v.Provider == lost {
			t.Errorf("state still places a volume on %s", lost)
		}
	}
	out, code = run("apply", "--auto-approve")
	op.expect(out, code, 0, "No changes.")
	out, code = run("storage", "status", "--live")
	op.expect(out, code, 0, "live: ONLINE, all 8 devices online")
	if count := strings.Count(strings.Join(hosts["nas1"].Commands(), "\n"), " vault raidz3 "); count != 1 {
		t.Errorf("nas1's pool was created %d times", count)
	}
}
