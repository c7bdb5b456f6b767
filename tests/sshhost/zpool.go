package sshhost

import (
	"os"
	"strings"
)

// A fake zpool (OpenZFS 2's CLI) keeping the host's pools in files, so
// that apply's pool steps (deploy.EnsureProviderPool, deploy.EnsurePool)
// can be tested end to end on the disks of package sshhost's hosts.
//
// A pool is $Root/var/lib/zpool-fake/<name>: its layout (raidz3 or
// single) on the first line, then its devices' paths, one a line, in
// order; <name>.imported exists while it is imported. zpool create writes
// TYPE=zfs_member and LABEL=<pool> into each device, as the real one
// writes its labels, so blkid sees them and import finds the pool by
// scanning devices. A device of a pool whose file is gone, or holds no
// longer that pool's label, is UNAVAIL in zpool status, under its GUID
// (a checksum of its path) with "was <path>", as OpenZFS prints a device
// it cannot open.
//
// Supported, as the real CLI: `list -H -o name <pool>`, `import [-d dir]`
// (lists the pools on the devices below dir, default $Root/dev, that are
// not imported, and fails with "no pools available to import" when there
// is none), `import [-N] [-f] [-d dir] <pool>`, `create [-f] [-o p=v]…
// [-O p=v]… [-m mp] <pool> [raidz3] <device>…` (refuses a device that is
// missing or holds any signature, as the real one does without -f),
// `status [-P] <pool>` (config section only: pool, vdev and devices; the
// pool is UNAVAIL with more devices gone than raidz3 survives) and
// `replace <pool> <old path or guid> <new device>` (the new device must
// be blank; resilvering is instant). `systemctl restart
// freecloud-zpool-import.service` imports every pool import lists below
// $Root/dev/disk/by-path, as the unit does for its pool.
func init() {
	if _, ok := fakes["zpool"]; ok {
		panic("sshhost: zpool has two fakes")
	}
	fakes["zpool"] = fakeZpool
}

const fakeZpool = `export LC_ALL=C
pools=$FAKE_ROOT/var/lib/zpool-fake
mkdir -p "$pools"

# guid prints a device's stand-in GUID, a number from its path.
guid() { printf '%s' "$1" | cksum | awk '{ print $1 $2 }'; }

# labelled <device> <pool>: the device carries the pool's label.
labelled() { [ -f "$1" ] && grep -qx "LABEL=$2" "$1" && grep -qx "TYPE=zfs_member" "$1"; }

# scan <dir>: the pools whose labels are on devices below dir, a name a line.
scan() {
	find "$1" -type f 2>/dev/null | while IFS= read -r dev; do
		grep -qx "TYPE=zfs_member" "$dev" && sed -n 's/^LABEL=//p' "$dev"
	done | sort -u
}

# refuse_used <device>: fail as zpool does without -f on a device that
# holds a signature.
refuse_used() {
	if [ -s "$1" ]; then
		echo "invalid vdev specification" >&2
		echo "use '-f' to override the following errors:" >&2
		echo "$1 contains a filesystem of type '$(sed -n 's/^TYPE=//p' "$1")'" >&2
		exit 1
	fi
}

# label <device> <pool>: write the pool's label, as blkid shows it.
label() { printf 'LABEL=%s\nTYPE=zfs_member\nUSAGE=filesystem\n' "$2" >"$1"; }

no_pool() {
	echo "cannot open '$1': no such pool" >&2
	exit 1
}

cmd=$1
shift
case $cmd in
list)
	pool=
	for a in "$@"; do pool=$a; done
	[ -f "$pools/$pool.imported" ] || no_pool "$pool"
	echo "$pool"
	;;
import)
	dir=$FAKE_ROOT/dev
	pool=
	while [ $# -gt 0 ]; do
		case $1 in
		-d) dir=$2; shift ;;
		-*) ;;
		*) pool=$1 ;;
		esac
		shift
	done
	if [ -z "$pool" ]; then
		found=0
		for p in $(scan "$dir"); do
			[ ! -f "$pools/$p.imported" ] || continue
			printf '   pool: %s\n     id: %s\n  state: ONLINE\n action: The pool can be imported using its name or numeric identifier.\n config:\n\n\t%s  ONLINE\n\n' "$p" "$(guid "$p")" "$p"
			found=1
		done
		if [ "$found" = 0 ]; then
			echo "no pools available to import" >&2
			exit 1
		fi
		exit 0
	fi
	if [ -f "$pools/$pool.imported" ]; then
		echo "cannot import '$pool': a pool with that name already exists" >&2
		exit 1
	fi
	if ! scan "$dir" | grep -qx "$pool"; then
		echo "cannot import '$pool': no such pool available" >&2
		exit 1
	fi
	if [ ! -f "$pools/$pool" ]; then
		# Labels without a record: a pool made elsewhere, taken over.
		{
			echo single
			find "$dir" -type f | while IFS= read -r dev; do labelled "$dev" "$pool" && echo "$dev"; done
		} >"$pools/$pool"
	fi
	: >"$pools/$pool.imported"
	;;
create)
	layout=single
	pool=
	devs=
	while [ $# -gt 0 ]; do
		case $1 in
		-o | -O | -m | -R | -t) shift ;;
		-*) ;;
		raidz3) layout=raidz3 ;;
		*) if [ -z "$pool" ]; then pool=$1; else devs="$devs $1"; fi ;;
		esac
		shift
	done
	if [ -f "$pools/$pool.imported" ]; then
		echo "cannot create '$pool': pool already exists" >&2
		exit 1
	fi
	for dev in $devs; do
		if [ ! -e "$dev" ]; then
			echo "cannot open '$dev': No such device or address" >&2
			exit 1
		fi
		refuse_used "$dev"
	done
	{
		echo "$layout"
		for dev in $devs; do echo "$dev"; done
	} >"$pools/$pool"
	for dev in $devs; do label "$dev" "$pool"; done
	: >"$pools/$pool.imported"
	;;
status)
	pool=
	for a in "$@"; do pool=$a; done
	[ -f "$pools/$pool.imported" ] || no_pool "$pool"
	layout=$(head -n 1 "$pools/$pool")
	gone=0
	rows=
	for dev in $(tail -n +2 "$pools/$pool"); do
		if labelled "$dev" "$pool"; then
			rows="$rows$(printf '\t    %s  ONLINE       0     0     0' "$dev")
"
		else
			gone=$((gone + 1))
			rows="$rows$(printf '\t    %s  UNAVAIL      0     0     0  was %s' "$(guid "$dev")" "$dev")
"
		fi
	done
	state=ONLINE
	if [ "$gone" -gt 0 ]; then state=DEGRADED; fi
	if [ "$layout" = single ] && [ "$gone" -gt 0 ]; then state=UNAVAIL; fi
	if [ "$gone" -gt 3 ]; then state=UNAVAIL; fi
	printf '  pool: %s\n state: %s\n  scan: none requested\nconfig:\n\n\tNAME  STATE     READ WRITE CKSUM\n\t%s  %s       0     0     0\n' "$pool" "$state" "$pool" "$state"
	if [ "$layout" = raidz3 ]; then
		printf '\t  raidz3-0  %s       0     0     0\n' "$state"
		printf '%s' "$rows"
	else
		printf '%s' "$rows" | sed 's/^\t    /\t  /'
	fi
	printf '\nerrors: No known data errors\n'
	;;
replace)
	pool=$1 old=$2 new=$3
	[ -f "$pools/$pool.imported" ] || no_pool "$pool"
	match=
	for dev in $(tail -n +2 "$pools/$pool"); do
		if [ "$dev" = "$old" ] || [ "$(guid "$dev")" = "$old" ]; then match=$dev; fi
	done
	if [ -z "$match" ]; then
		echo "cannot replace $old with $new: no such device in pool" >&2
		exit 1
	fi
	if [ ! -e "$new" ]; then
		echo "cannot open '$new': No such device or address" >&2
		exit 1
	fi
	refuse_used "$new"
	label "$new" "$pool"
	awk -v o="$match" -v n="$new" '{ print ($0 == o ? n : $0) }' "$pools/$pool" >"$pools/$pool.new" && mv "$pools/$pool.new" "$pools/$pool"
	;;
*)
	echo "fake zpool: no fake for: $cmd $*" >&2
	exit 1
	;;
esac`

// Pool returns the devices of the host's pool as the fake zpool records
// them (Root included), and whether it exists and is imported.
func (h *Host) Pool(name string) (devices []string, imported bool) {
	h.t.Helper()
	data, err := os.ReadFile(h.path("var", "lib", "zpool-fake", name))
	if os.IsNotExist(err) {
		return nil, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	_, err = os.Stat(h.path("var", "lib", "zpool-fake", name+".imported"))
	return lines[1:], err == nil
}

// ExportPool exports the host's pool, as a reboot leaves it: the next
// import finds it on its devices.
func (h *Host) ExportPool(name string) {
	h.t.Helper()
	if err := os.Remove(h.path("var", "lib", "zpool-fake", name+".imported")); err != nil {
		h.t.Fatal(err)
	}
}
