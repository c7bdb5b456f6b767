package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/deploy"
)

const rawDisk = "/dev/sdb"

func TestProviderPoolCreatedOnceThenImported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, conn := standIn(t)
	p := deploy.ProviderPool{Name: "vault-volumes", Device: rawDisk}

	if _, err := deploy.EnsureProviderPool(ctx, conn, h.Root, p); !errors.Is(err, deploy.ErrPoolWaits) || !strings.Contains(err.Error(), "/dev/sdb for pool vault-volumes is not attached") {
		t.Fatalf("no disk: %v", err)
	}
	h.AttachDisk(rawDisk)
	got, err := deploy.EnsureProviderPool(ctx, conn, h.Root, p)
	if err != nil || got != deploy.PoolCreated {
		t.Fatalf("blank disk: %q, %v", got, err)
	}
	if devices, imported := h.Pool("vault-volumes"); !imported || !slices.Equal(devices, []string{h.Root + rawDisk}) {
		t.Errorf("pool: %v, imported %v", devices, imported)
	}
	if !slices.Contains(h.Commands(), "systemctl restart freecloud-zvols.service iscsi-target.service") {
		t.Errorf("the units serving the volumes were not restarted: %q", h.Commands())
	}

	p.Recorded = true
	if got, err = deploy.EnsureProviderPool(ctx, conn, h.Root, p); err != nil || got != deploy.PoolPresent {
		t.Errorf("second run: %q, %v", got, err)
	}
	h.ExportPool("vault-volumes") // a reboot before the unit ran
	if got, err = deploy.EnsureProviderPool(ctx, conn, h.Root, p); err != nil || got != deploy.PoolImported {
		t.Errorf("exported pool: %q, %v", got, err)
	}
	for _, c := range h.Commands() {
		if strings.HasPrefix(c, "zpool create") && !strings.HasSuffix(c, " vault-volumes "+h.Root+rawDisk) {
			t.Errorf("unexpected create: %s", c)
		}
	}
	if n := countPrefix(h.Commands(), "zpool create"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

func TestProviderPoolRefusesUsedOrLostDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, conn := standIn(t)
	h.AttachDisk(rawDisk, "TYPE=ext4", "LABEL=photos")
	_, err := deploy.EnsureProviderPool(ctx, conn, h.Root, deploy.ProviderPool{Name: "vault-volumes", Device: rawDisk})
	if !errors.Is(err, deploy.ErrDeviceInUse) || !strings.Contains(err.Error(), "/dev/sdb holds ext4 labelled photos") || !strings.Contains(err.Error(), "wipefs -a /dev/sdb") {
		t.Errorf("used disk: %v", err)
	}
	if tags, _ := h.Disk(rawDisk); tags["LABEL"] != "photos" {
		t.Errorf("the disk was touched: %v", tags)
	}

	// State says the pool was created: a blank disk is not a reason to
	// make it again.
	h2, conn2 := standIn(t)
	h2.AttachDisk(rawDisk)
	_, err = deploy.EnsureProviderPool(ctx, conn2, h2.Root, deploy.ProviderPool{Name: "vault-volumes", Device: rawDisk, Recorded: true})
	if !errors.Is(err, deploy.ErrPoolLost) || !strings.Contains(err.Error(), "it is not created again") {
		t.Errorf("recorded pool gone: %v", err)
	}
	if countPrefix(h2.Commands(), "zpool create") != 0 {
		t.Errorf("a recorded pool was created again: %q", h2.Commands())
	}
}

// volumes are the by-path devices of a consumer's eight volumes.
func volumes(providers ...int) []string {
	var out []string
	for _, n := range providers {
		out = append(out, fmt.Sprintf("/dev/disk/by-path/ip-10.77.0.%d:3260-iscsi-iqn.2026-11.org.freecloud:vault.p%d.nas1-lun-0", n, n))
	}
	return out
}

func TestConsumerPoolLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, conn := standIn(t)
	devices := volumes(2, 3, 4, 5, 6, 7, 8, 9)
	p := deploy.ConsumerPool{Name: "vault", Devices: devices}

	// Six of eight attached: nothing is made.
	for _, d := range devices[:6] {
		h.AttachDisk(d)
	}
	_, err := deploy.EnsurePool(ctx, conn, h.Root, p)
	if !errors.Is(err, deploy.ErrPoolWaits) || !strings.Contains(err.Error(), devices[6]+", "+devices[7]) {
		t.Fatalf("six volumes: %v", err)
	}
	if !slices.Contains(h.Commands(), "systemctl start freecloud-iscsi-relogin.service") {
		t.Errorf("no login: %q", h.Commands())
	}

	// A volume that holds an old pool: refused, nothing made.
	h.AttachDisk(devices[6], "TYPE=zfs_member", "LABEL=old")
	h.AttachDisk(devices[7])
	_, err = deploy.EnsurePool(ctx, conn, h.Root, p)
	if !errors.Is(err, deploy.ErrDeviceInUse) || !strings.Contains(err.Error(), devices[6]+" holds zfs_member labelled old") {
		t.Fatalf("used volume: %v", err)
	}
	if countPrefix(h.Commands(), "zpool create") != 0 {
		t.Fatal("a pool was made on a used volume")
	}

	// All eight blank: RAIDZ3 over them, in placement order.
	h.AttachDisk(devices[6])
	res, err := deploy.EnsurePool(ctx, conn, h.Root, p)
	if err != nil || res.Outcome != deploy.PoolCreated || !res.Complete || !res.Health.Healthy() {
		t.Fatalf("eight volumes: %+v, %v", res, err)
	}
	if got, imported := h.Pool("vault"); !imported || len(got) != 8 || got[0] != h.Root+devices[0] {
		t.Errorf("pool: %v", got)
	}
	if res.Health.Devices[0].Path != devices[0] {
		t.Errorf("health paths keep the root: %+v", res.Health.Devices[0])
	}

	// Exported (a reboot): imported, never created again.
	p.Recorded = true
	h.ExportPool("vault")
	if res, err = deploy.EnsurePool(ctx, conn, h.Root, p); err != nil || res.Outcome != deploy.PoolImported {
		t.Fatalf("exported: %+v, %v", res, err)
	}
	if n := countPrefix(h.Commands(), "zpool create"); n != 1 {
		t.Errorf("%d creates", n)
	}

	// Provider p5 is lost; the placement puts its volume on p11. Until
	// p11's volume is attached the pool runs degraded and waits.
	h.DetachDisk(devices[3])
	p.Devices = volumes(2, 3, 4, 11, 6, 7, 8, 9)
	res, err = deploy.EnsurePool(ctx, conn, h.Root, p)
	if !errors.Is(err, deploy.ErrPoolWaits) || res.Health.State != "DEGRADED" || res.Complete {
		t.Fatalf("replacement not attached: %+v, %v", res, err)
	}
	h.AttachDisk(p.Devices[3])
	res, err = deploy.EnsurePool(ctx, conn, h.Root, p)
	if err != nil || !res.Complete || !res.Health.Healthy() {
		t.Fatalf("replacement attached: %+v, %v", res, err)
	}
	if want := []string{devices[3] + " by " + p.Devices[3]}; !slices.Equal(res.Replaced, want) {
		t.Errorf("replaced %q, want %q", res.Replaced, want)
	}
	// And nothing more to do.
	if res, err = deploy.EnsurePool(ctx, conn, h.Root, p); err != nil || res.Outcome != deploy.PoolPresent || len(res.Replaced) != 0 {
		t.Errorf("after the replacement: %+v, %v", res, err)
	}

	// State says it exists, and it is nowhere: never made again.
	h.ExportPool("vault")
	for _, d := range p.Devices {
		h.DetachDisk(d)
		h.AttachDisk(d)
	}
	if _, err = deploy.EnsurePool(ctx, conn, h.Root, p); !errors.Is(err, deploy.ErrPoolLost) {
		t.Errorf("lost pool: %v", err)
	}
	if n := countPrefix(h.Commands(), "zpool create"); n != 1 {
		t.Errorf("%d creates", n)
	}
}

func TestPoolHealth(t *testing.T) {
	t.Parallel()
	h, conn := standIn(t)
	if _, err := deploy.PoolHealth(context.Background(), conn, h.Root, "vault"); err == nil || !strings.Contains(err.Error(), "no such pool") {
		t.Errorf("no pool: %v", err)
	}
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
