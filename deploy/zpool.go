package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/storage/zpool"
)

// poolTimeout bounds one pool step on a host: the consumer's login waits
// up to a minute for its volumes (modules/zpool.nix, deviceTimeoutSec),
// then a create, an import or a few replaces.
const poolTimeout = 5 * time.Minute

// What a pool step found or did.
const (
	PoolPresent  = "present"  // imported already: nothing to do
	PoolImported = "imported" // it existed and is imported now
	PoolCreated  = "created"  // made on blank devices
)

// Errors of the pool steps.
var (
	// ErrPoolWaits: devices the pool needs are not attached yet (a
	// provider not deployed or not reachable over the mesh); a later
	// apply goes on.
	ErrPoolWaits = errors.New("the pool waits for its devices")
	// ErrPoolLost: state says apply created the pool, and it cannot be
	// found. It is never created again: that would throw its data away.
	ErrPoolLost = errors.New("pool not found")
	// ErrDeviceInUse: a device holds something; a pool is only ever made
	// on blank devices.
	ErrDeviceInUse = errors.New("device not blank")
)

// A PoolError is a pool step that could not be done, of a Kind: one of
// ErrPoolWaits, ErrPoolLost and ErrDeviceInUse.
type PoolError struct {
	Machine string
	Kind    error
	// Detail says what is wrong and what to do, without the machine.
	Detail string
}

func (e *PoolError) Error() string { return e.Machine + ": " + e.Detail }
func (e *PoolError) Unwrap() error { return e.Kind }

func poolError(kind error, machine, format string, args ...any) error {
	return &PoolError{Machine: machine, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// A ProviderPool is the local ZFS pool a volume provider makes of its raw
// disk, holding the zvols it lends.
type ProviderPool struct {
	Name   string
	Device string
	// Recorded: apply created it before (state); it is only imported.
	Recorded bool
}

// providerPoolScript brings a provider's pool up: there already, else
// imported, else created on the blank disk, and the units serving its
// volumes restarted. It prints what it did on its first line, and for a
// disk that is not blank the blkid probe after it.
const providerPoolScript = `pool=%s
dev=%s
recorded=%d
if zpool list -H -o name "$pool" >/dev/null 2>&1; then
	echo present
	exit 0
fi
if zpool import -N "$pool" >&2; then
	echo imported
elif [ "$recorded" = 1 ]; then
	echo lost
	exit 0
elif [ ! -e "$dev" ]; then
	echo absent
	exit 0
else
	probe=$(blkid -p -o export "$dev" 2>&1)
	rc=$?
	if [ "$rc" -ne 2 ] || [ -n "$probe" ]; then
		echo "probed $rc"
		printf '%%s\n' "$probe"
		exit 0
	fi
	zpool create -o ashift=12 -o cachefile=none -O mountpoint=none "$pool" "$dev" >&2 || exit
	echo created
fi
systemctl restart freecloud-zvols.service iscsi-target.service >&2 || echo units-failed`

// EnsureProviderPool brings up a provider's pool on conn: it finds it
// imported, imports it, or creates it on the raw disk when that is blank
// and state records no pool; then it restarts the units that make and
// export the volumes, which found no pool at the deploy. A disk that
// holds anything is never touched (ErrDeviceInUse). root is Options.Root.
func EnsureProviderPool(ctx context.Context, conn *sshx.Conn, root string, p ProviderPool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, poolTimeout)
	defer cancel()
	step := "pool " + p.Name
	device := strings.TrimSuffix(root, "/") + p.Device
	r, err := conn.Run(ctx, step, fmt.Sprintf(providerPoolScript, q(p.Name), q(device), boolDigit(p.Recorded)))
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(string(r.Stdout)), "\n")
	switch outcome := lines[0]; {
	case outcome == PoolPresent:
		return outcome, nil
	case outcome == PoolImported || outcome == PoolCreated:
		if len(lines) > 1 && lines[1] == "units-failed" {
			return outcome, fmt.Errorf("%s: pool %s is %s, but freecloud-zvols.service or iscsi-target.service did not restart: its volumes are not served (journalctl -u freecloud-zvols -u iscsi-target)", conn.Machine(), p.Name, outcome)
		}
		return outcome, nil
	case outcome == "lost":
		return "", poolError(ErrPoolLost, conn.Machine(), "pool %s, which apply created on %s, cannot be imported; it is not created again, which would destroy the volumes it holds. Is the disk attached? ('zpool import' on the machine lists the pools it sees)", p.Name, p.Device)
	case outcome == "absent":
		return "", poolError(ErrPoolWaits, conn.Machine(), "the raw disk %s for pool %s is not attached", p.Device, p.Name)
	case strings.HasPrefix(outcome, "probed "):
		_, holds, err := probeResult(p.Device, strings.TrimPrefix(outcome, "probed "), strings.Join(lines[1:], "\n"))
		if err != nil {
			return "", fmt.Errorf("%s: pool %s: %w", conn.Machine(), p.Name, err)
		}
		return "", poolError(ErrDeviceInUse, conn.Machine(), "the raw disk %s holds %s; freecloud makes pool %s only on a blank disk, so it is left alone. Wipe it (wipefs -a %s) if its content is not needed", p.Device, holds, p.Name, p.Device)
	default:
		return "", fmt.Errorf("%s: %s: unexpected output %q", conn.Machine(), step, strings.TrimSpace(string(r.Stdout)))
	}
}

// A ConsumerPool is a consumer's RAIDZ3 pool over its volumes.
type ConsumerPool struct {
	Name string
	// Devices are where the volumes appear once logged into, in
	// placement order (generator.DevicePath).
	Devices []string
	// Providers name the machine each device's volume is on, for
	// messages; the devices' paths name them otherwise.
	Providers []string
	// Recorded: apply created it before (state); it is only imported.
	Recorded bool
}

// consumerPoolScript logs into the volumes (the timer's unit, which
// never fails), lists which of them are attached, and brings the pool up:
// imported already, imported now, or created on the eight volumes when
// state records none, all are attached and all are blank. It prints what
// it found, a fact a line, then @@status and the pool's status.
const consumerPoolScript = `pool=%s
bypath=%s
recorded=%d
set -- %s
systemctl start freecloud-iscsi-relogin.service >&2 || true
for dev in "$@"; do
	if [ -e "$dev" ]; then echo "attached $dev"; fi
done
if zpool list -H -o name "$pool" >/dev/null 2>&1; then
	echo present
elif { zpool import -d "$bypath" 2>/dev/null || true; } | awk -v p="$pool" '$1 == "pool:" && $2 == p { found = 1 } END { exit !found }'; then
	systemctl restart freecloud-zpool-import.service >&2 || true
	if ! zpool list -H -o name "$pool" >/dev/null 2>&1; then
		echo import-failed
		exit 0
	fi
	echo imported
elif [ "$recorded" = 1 ]; then
	echo lost
	exit 0
else
	for dev in "$@"; do
		if [ ! -e "$dev" ]; then echo waits; exit 0; fi
	done
	used=0
	for dev in "$@"; do
		probe=$(blkid -p -o export "$dev" 2>&1)
		rc=$?
		if [ "$rc" -ne 2 ] || [ -n "$probe" ]; then
			echo "used $dev $rc $(printf '%%s' "$probe" | tr '\n' '\t')"
			used=1
		fi
	done
	if [ "$used" = 1 ]; then exit 0; fi
	zpool create -o ashift=12 -o cachefile=none -O compression=lz4 -O atime=off -O xattr=sa -O acltype=posixacl "$pool" raidz3 "$@" >&2 || exit
	systemctl restart freecloud-zpool-import.service >&2 || true
	echo created
fi
echo @@status
zpool status -P "$pool"`

// A PoolResult is what EnsurePool found and did.
type PoolResult struct {
	Outcome string // PoolPresent, PoolImported or PoolCreated
	Health  zpool.Health
	// Replaced are the replacements started, "<old> by <new>".
	Replaced []string
	// Complete: every device of the placement is in the pool, so the
	// placement is what the pool is made of.
	Complete bool
}

// EnsurePool brings up a consumer's pool on conn. It logs into the
// volumes, imports the pool when it exists, and creates it only when
// state records none and all eight volumes are attached and blank. Then
// it replaces the pool's devices that are gone (a lost provider) by the
// placement's new volumes, pairing them in path order: ZFS rebuilds the
// data onto them. A pool whose devices are not all attached waits
// (ErrPoolWaits), unless it exists: then it runs degraded meanwhile.
func EnsurePool(ctx context.Context, conn *sshx.Conn, root string, p ConsumerPool) (PoolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, poolTimeout)
	defer cancel()
	step := "pool " + p.Name
	root = strings.TrimSuffix(root, "/")
	devices := make([]string, len(p.Devices))
	quoted := make([]string, len(p.Devices))
	for i, d := range p.Devices {
		devices[i] = root + d
		quoted[i] = q(devices[i])
	}
	script := fmt.Sprintf(consumerPoolScript, q(p.Name), q(root+"/dev/disk/by-path"), boolDigit(p.Recorded), strings.Join(quoted, " "))
	r, err := conn.Run(ctx, step, script)
	if err != nil {
		return PoolResult{}, err
	}
	facts, status, _ := strings.Cut(string(r.Stdout), "@@status\n")
	attached := map[string]bool{}
	var outcome string
	var used []string
	for _, line := range strings.Split(strings.TrimSpace(facts), "\n") {
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "attached":
			attached[rest] = true
		case "used":
			used = append(used, rest)
		default:
			outcome = line
		}
	}
	// volumeNames names the volumes at devices (root included).
	volumeNames := func(at []string) string {
		var out []string
		for _, d := range at {
			i := slices.Index(devices, d)
			if i < len(p.Providers) && i >= 0 {
				out = append(out, "the volume on "+p.Providers[i])
			} else {
				out = append(out, strings.TrimPrefix(d, root))
			}
		}
		return orNone(out)
	}
	missing := func() string {
		var out []string
		for _, d := range devices {
			if !attached[d] {
				out = append(out, d)
			}
		}
		return volumeNames(out)
	}
	switch {
	case len(used) > 0:
		return PoolResult{}, usedDevices(conn.Machine(), p.Name, root, used)
	case outcome == "waits":
		return PoolResult{}, poolError(ErrPoolWaits, conn.Machine(), "pool %s is made once its %d volumes are attached; not yet: %s. Are their providers deployed and reachable over the mesh? (iscsiadm -m session on %s)", p.Name, len(devices), missing(), conn.Machine())
	case outcome == "lost":
		return PoolResult{}, poolError(ErrPoolLost, conn.Machine(), "pool %s, which apply created, is not on the attached volumes and is not imported; it is not created again, which would destroy its data. Missing: %s", p.Name, missing())
	case outcome == "import-failed":
		return PoolResult{}, fmt.Errorf("%s: pool %s is on the volumes but freecloud-zpool-import.service could not import it (journalctl -u freecloud-zpool-import)", conn.Machine(), p.Name)
	case outcome != PoolPresent && outcome != PoolImported && outcome != PoolCreated:
		return PoolResult{}, fmt.Errorf("%s: %s: unexpected output %q", conn.Machine(), step, strings.TrimSpace(facts))
	}
	res := PoolResult{Outcome: outcome}
	if res.Health, err = parseHealth(conn, status); err != nil {
		return res, err
	}
	replace, waiting := replacements(res.Health, devices, attached)
	if len(replace) > 0 {
		var cmd strings.Builder
		for _, pair := range replace {
			fmt.Fprintf(&cmd, "zpool replace %s %s %s >&2 || exit\n", q(p.Name), q(pair.old.Name), q(pair.new))
		}
		cmd.WriteString("zpool status -P " + q(p.Name))
		r, err := conn.Run(ctx, step, cmd.String())
		if err != nil {
			return res, err
		}
		for _, pair := range replace {
			res.Replaced = append(res.Replaced, strings.TrimPrefix(pair.old.Path, root)+" by "+strings.TrimPrefix(pair.new, root))
		}
		if res.Health, err = parseHealth(conn, string(r.Stdout)); err != nil {
			return res, err
		}
	}
	res.Complete = true
	for _, d := range devices {
		res.Complete = res.Complete && res.Health.Has(d)
	}
	res.Health = belowRoot(res.Health, root)
	if len(waiting) > 0 {
		return res, poolError(ErrPoolWaits, conn.Machine(), "pool %s runs degraded until the volumes replacing its lost ones are attached: %s", p.Name, volumeNames(waiting))
	}
	return res, nil
}

// replacements pairs the pool's devices that serve no data and are no
// longer in the placement with the placement's devices missing from the
// pool that are attached, both in path order. Devices already being
// replaced are left to ZFS. waiting are the placement's devices the pool
// lacks that are not attached yet.
func replacements(h zpool.Health, wanted []string, attached map[string]bool) (pairs []replacement, waiting []string) {
	inPlacement := map[string]bool{}
	for _, d := range wanted {
		inPlacement[d] = true
	}
	var gone []zpool.Device
	for _, d := range h.Unavailable() {
		if !d.Replacing && !inPlacement[d.Path] {
			gone = append(gone, d)
		}
	}
	var fresh []string
	for _, d := range wanted {
		if h.Has(d) {
			continue
		}
		if attached[d] {
			fresh = append(fresh, d)
		} else {
			waiting = append(waiting, d)
		}
	}
	sort.Strings(fresh)
	for i := 0; i < len(gone) && i < len(fresh); i++ {
		pairs = append(pairs, replacement{old: gone[i], new: fresh[i]})
	}
	return pairs, waiting
}

// A replacement is one `zpool replace`: a device of the pool by a new one.
type replacement struct {
	old zpool.Device
	new string
}

// PoolHealth reads a pool's status on the machine that imports it.
func PoolHealth(ctx context.Context, conn *sshx.Conn, root, pool string) (zpool.Health, error) {
	ctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	r, err := conn.Run(ctx, "pool "+pool, "zpool status -P "+q(pool))
	if err != nil {
		return zpool.Health{}, err
	}
	h, err := parseHealth(conn, string(r.Stdout))
	return belowRoot(h, strings.TrimSuffix(root, "/")), err
}

// parseHealth parses what `zpool status -P` printed on conn's machine.
func parseHealth(conn *sshx.Conn, out string) (zpool.Health, error) {
	h, err := zpool.ParseHealth(out)
	if err != nil {
		return h, fmt.Errorf("%s: %w", conn.Machine(), err)
	}
	return h, nil
}

// belowRoot gives a pool's device paths as the host names them, without
// Options.Root (a stand-in host's directory in tests; "" on a real host).
func belowRoot(h zpool.Health, root string) zpool.Health {
	devices := make([]zpool.Device, len(h.Devices))
	for i, d := range h.Devices {
		d.Path = strings.TrimPrefix(d.Path, root)
		devices[i] = d
	}
	h.Devices = devices
	return h
}

// usedDevices explains the volumes a new pool would be made on that hold
// something: "<device> <blkid exit status> <probe, tab-separated>" each.
func usedDevices(machine, pool, root string, used []string) error {
	var what []string
	for _, u := range used {
		dev, rest, _ := strings.Cut(u, " ")
		rc, probe, _ := strings.Cut(rest, " ")
		dev = strings.TrimPrefix(dev, root)
		_, holds, err := probeResult(dev, rc, strings.ReplaceAll(probe, "\t", "\n"))
		if err != nil {
			what = append(what, err.Error())
			continue
		}
		what = append(what, dev+" holds "+holds)
	}
	return poolError(ErrDeviceInUse, machine, "pool %s is made only on blank volumes, and %s. Nothing was created. If its content is not needed, destroy the zvol on its provider (zfs destroy <provider pool>/<zvol>) and run systemctl restart freecloud-zvols.service iscsi-target.service there, which makes it again, blank; then apply again", pool, strings.Join(what, "; "))
}

func boolDigit(b bool) int {
	if b {
		return 1
	}
	return 0
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
