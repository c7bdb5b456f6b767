package sshhost

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A fake garage (Garage 2's CLI) keeping one cluster's layout in files, so
// that the cluster layout step of apply can be tested end to end. What it
// prints and refuses follows Garage 2.0's sources, as package
// storage/garage records, which parses it.
//
// The layout is in a directory: by default $Root/var/lib/garage-fake, one
// cluster per host; hosts that Join one GarageCluster share its directory
// (FREECLOUD_FAKE_GARAGE_DIR overrides both, for running the script by
// hand). Its files are version, roles and staged (a role a line: the full
// node id, zone, capacity in bytes and comma-joined tags, tab-separated;
// a staged removal is the id and "-"), replication_factor (3 when absent;
// FREECLOUD_FAKE_GARAGE_REPLICATION overrides it), and nodes/<id>, the
// nodes the cluster knows ("hostname<TAB>address"). A host's node joins
// nodes/ on its first garage command, as a real node connects once its
// service runs; its key is $Root/var/lib/garage/meta/node_key.pub, 32
// random bytes made then, as the server does at first start.
//
// Supported, as the real CLI: `node id [-q]`, `status`, `layout show`,
// `layout assign <id> -z Z -c CAP [-t TAG…]` (one node; -t takes every
// value up to the next flag, so `-t tag <id>` fails as it does for real),
// `layout remove <id>`, `layout apply --version N` (refuses any N but
// current+1, and fewer nodes than the replication factor — not fewer
// zones, which the real one accepts too) and `layout revert --yes`.
// Node ids are matched by unique prefix among known nodes and roles.
func init() {
	if _, ok := fakes["garage"]; ok {
		panic("sshhost: garage has two fakes")
	}
	fakes["garage"] = fakeGarage
}

const fakeGarage = `export LC_ALL=C
dir=${FREECLOUD_FAKE_GARAGE_DIR:-}
[ -n "$dir" ] || [ ! -f "$FAKE/garage-cluster" ] || dir=$(cat "$FAKE/garage-cluster")
[ -n "$dir" ] || dir=$FAKE_ROOT/var/lib/garage-fake
mkdir -p "$dir/nodes"
[ -f "$dir/version" ] || echo 0 >"$dir/version"
touch "$dir/roles" "$dir/staged"
version=$(cat "$dir/version")
rf=${FREECLOUD_FAKE_GARAGE_REPLICATION:-$(cat "$dir/replication_factor" 2>/dev/null || echo 3)}

meta=$FAKE_ROOT/var/lib/garage/meta
if [ ! -s "$meta/node_key.pub" ]; then
	mkdir -p "$meta"
	head -c 32 /dev/urandom >"$meta/node_key.pub.$$" && mv "$meta/node_key.pub.$$" "$meta/node_key.pub"
fi
self=$(od -An -v -tx1 "$meta/node_key.pub" | tr -d ' \n')
addr=$(cat "$FAKE/garage-addr" 2>/dev/null || echo 127.0.0.1:3901)
printf '%s\t%s\n' "$(cat "$FAKE/garage-hostname" 2>/dev/null || echo stand-in)" "$addr" >"$dir/nodes/$self"

# size prints a byte count as Garage does (bytesize, decimal units).
size_awk='function size(b, e) {
	if (b < 1000) return sprintf("%d B", b)
	e = int(log(b) / log(1024)); if (e == 0) e = 1
	return sprintf("%.1f %sB", b / 1000 ^ e, substr("KMGTPE", e, 1))
}'
size() { awk -v b="$1" "$size_awk"' BEGIN { print size(b) }'; }

# bytes reads a capacity as -c does: 100G is 100*10^9, 100Gi 100*2^30.
bytes() {
	awk -v s="$1" 'BEGIN {
		n = s; sub(/[^0-9.].*$/, "", n); u = tolower(substr(s, length(n) + 1)); sub(/^ +/, "", u)
		k = split("b 1 k 1e3 kb 1e3 m 1e6 mb 1e6 g 1e9 gb 1e9 t 1e12 tb 1e12 p 1e15 pb 1e15 ki 1024 kib 1024 mi 1048576 mib 1048576 gi 1073741824 gib 1073741824 ti 1099511627776 tib 1099511627776", a, " ")
		f = (u == "") ? 1 : 0
		for (i = 1; i < k; i += 2) if (a[i] == u) f = a[i + 1]
		if (n == "" || n ~ /\..*\./ || !f) exit 1
		printf "%.0f\n", n * f
	}'
}

# table aligns tab-separated columns as Garage's format_table does.
table() {
	awk -F'\t' '{ row[NR] = $0; for (i = 1; i <= NF; i++) if (length($i) > w[i]) w[i] = length($i) }
	END { for (r = 1; r <= NR; r++) {
		k = split(row[r], c, "\t"); line = ""
		for (i = 1; i < k; i++) { line = line c[i]; for (j = length(c[i]); j < w[i] + 2; j++) line = line " " }
		print line c[k]
	} }'
}

# roles_table prints a file of roles as layout show does, with the usable
# capacity column when $2 is set (the fake uses all of every node).
roles_table() {
	awk -F'\t' -v usable="$2" "$size_awk"'
	BEGIN { printf "ID\tTags\tZone\tCapacity%s\n", usable ? "\tUsable capacity" : "" }
	$2 == "-" { print substr($1, 1, 16) "\tREMOVED"; next }
	{ printf "%s\t[%s]\t%s\t%s", substr($1, 1, 16), $4, $2, size($3); if (usable) printf "\t%s (100.0%%)", size($3); print "" }' "$1" | table
}

# merged prints the roles the staged changes make.
merged() {
	awk -F'\t' 'FILENAME == ARGV[1] { r[$1] = $0; next } $2 == "-" { delete r[$1]; next } { r[$1] = $0 }
	END { for (id in r) print r[id] }' "$dir/roles" "$dir/staged" | sort
}

# refusal says why Garage cannot compute a layout of the roles in $1.
refusal() {
	n=$(grep -c . "$1")
	[ "$n" -ge "$rf" ] || echo "The number of nodes with positive capacity ($n) is smaller than the replication factor ($rf)."
}

computation() {
	zones=$(cut -f2 "$1" | sort -u | grep -c .)
	printf '==== COMPUTATION OF A NEW PARTITION ASSIGNATION ====\n\n'
	printf 'Partitions are replicated %d times on at least %d distinct zones.\n\n' "$rf" $((zones < rf ? zones : rf))
}

# node prints the one known node whose id starts with $1.
node() {
	case $1 in *[!0-9a-f]*) m= ;; *) m=$({ ls "$dir/nodes"; cut -f1 "$dir/roles"; } | sort -u | grep "^$1") ;; esac
	n=$(printf '%s' "$m" | grep -c .)
	if [ "$n" != 1 ]; then
		echo "Error: $n nodes match '$1'" >&2
		return 1
	fi
	echo "$m"
}

# role prints the staged, else current, role of node $1: zone, bytes, tags.
role() {
	awk -F'\t' -v id="$1" -v OFS='\t' '$1 == id { r[FILENAME] = ($2 == "-") ? "-" : $2 OFS $3 OFS $4 }
	END { s = r[ARGV[2]]; if (s == "") s = r[ARGV[1]]; if (s != "-") print s }' "$dir/roles" "$dir/staged"
}

# stage replaces node $1's staged change with $2 (none if $2 is its role).
stage() {
	{
		awk -F'\t' -v id="$1" '$1 != id' "$dir/staged"
		grep -qxF "$2" "$dir/roles" || printf '%s\n' "$2"
	} | sort >"$dir/staged.$$"
	mv "$dir/staged.$$" "$dir/staged"
}

staged_section() {
	printf '\n==== STAGED ROLE CHANGES ====\n'
	roles_table "$dir/staged" ""
	echo
}

case "${1:-} ${2:-}" in
'node id')
	echo "$self@$addr"
	[ "${3:-}" = -q ] || printf '\nTo instruct a node to connect to this node, run the following command on that node:\n    garage [-c <config file path>] node connect %s@%s\n' "$self" "$addr" >&2
	;;
status*)
	echo "==== HEALTHY NODES ===="
	for f in "$dir"/nodes/*; do
		id=${f##*/}
		IFS='	' read -r host at <"$f"
		r=$(awk -F'\t' -v id="$id" '$1 == id' "$dir/roles")
		if [ -n "$r" ]; then
			printf '%.16s\t%s\t%s\t[%s]\t%s\t%s\t?\tv2.3.0\n' "$id" "$host" "$at" "$(echo "$r" | cut -f4)" "$(echo "$r" | cut -f2)" "$(size "$(echo "$r" | cut -f3)")"
		elif [ -n "$(role "$id")" ]; then
			printf '%.16s\t%s\t%s\t\t\tpending...\t\tv2.3.0\n' "$id" "$host" "$at"
		else
			printf '%.16s\t%s\t%s\t\t\tNO ROLE ASSIGNED\t\tv2.3.0\n' "$id" "$host" "$at"
		fi
	done | { printf 'ID\tHostname\tAddress\tTags\tZone\tCapacity\tDataAvail\tVersion\n'; cat; } | table
	failed=$(while IFS='	' read -r id zone b tags; do
		[ -f "$dir/nodes/$id" ] || printf '%.16s\t?\t[%s]\t%s\t%s\tnever seen\n' "$id" "$tags" "$zone" "$(size "$b")"
	done <"$dir/roles")
	if [ -n "$failed" ]; then
		printf '\n==== FAILED NODES ====\n'
		printf 'ID\tHostname\tTags\tZone\tCapacity\tLast seen\n%s\n' "$failed" | table
	fi
	if [ -s "$dir/staged" ]; then
		staged_section
		printf '\nPlease use \140garage layout show\140 to check the proposed new layout and apply it.\n\n'
	fi
	;;
'layout show')
	echo "==== CURRENT CLUSTER LAYOUT ===="
	if [ -s "$dir/roles" ]; then
		roles_table "$dir/roles" usable
		printf '\nZone redundancy: maximum\n'
	else
		printf 'No nodes currently have a role in the cluster.\nSee \140garage status\140 to view available nodes.\n'
	fi
	printf '\nCurrent cluster layout version: %d\n' "$version"
	[ -s "$dir/staged" ] || exit 0
	staged_section
	merged >"$dir/preview.$$"
	err=$(refusal "$dir/preview.$$")
	if [ -z "$err" ]; then
		printf '\n==== NEW CLUSTER LAYOUT AFTER APPLYING CHANGES ====\n'
		roles_table "$dir/preview.$$" usable
		printf '\nZone redundancy: maximum\n\n'
		computation "$dir/preview.$$"
		printf 'To enact the staged role changes, type:\n\n    garage layout apply --version %d\n\n' $((version + 1))
	else
		printf 'Error while trying to compute the assignment: %s\nThis new layout cannot yet be applied.\n' "$err"
	fi
	rm -f "$dir/preview.$$"
	echo "You can also revert all proposed changes with: garage layout revert"
	;;
'layout assign')
	shift 2
	ids= n=0 zone= cap= tags=
	while [ $# -gt 0 ]; do
		case $1 in
		-z | --zone | -c | --capacity)
			if [ $# -lt 2 ]; then
				echo "error: The argument '$1' requires a value but none was supplied" >&2
				exit 1
			fi
			case $1 in -z | --zone) zone=$2 ;; *) cap=$2 ;; esac
			shift
			;;
		-t | --tag)
			while [ $# -gt 1 ]; do
				case $2 in -*) break ;; esac
				tags=$tags${tags:+,}$2
				shift
			done
			;;
		-*)
			echo "fake garage: layout assign $1 is not faked" >&2
			exit 1
			;;
		*) ids=$1 n=$((n + 1)) ;;
		esac
		shift
	done
	if [ "$n" = 0 ]; then
		printf 'error: The following required arguments were not provided:\n    <node-ids>...\n' >&2
		exit 1
	fi
	[ "$n" = 1 ] || { echo "fake garage: one node at a time" >&2; exit 1; }
	id=$(node "$ids") || exit 1
	old=$(role "$id")
	[ -n "$zone" ] || zone=$(echo "$old" | cut -f1)
	[ -n "$zone" ] || { echo "Error: Please specify a zone with the -z flag" >&2; exit 1; }
	if [ -n "$cap" ]; then
		b=$(bytes "$cap") || { echo "error: Invalid value for '--capacity <capacity>': couldn't parse \"$cap\"" >&2; exit 1; }
	else
		b=$(echo "$old" | cut -f2)
	fi
	[ -n "$b" ] || { echo "Error: Please specify a capacity with the -c flag, or set node explicitly as gateway with -g" >&2; exit 1; }
	[ "$b" -ge 1024 ] || { echo "Error: Capacity should be at least 1K (1024)" >&2; exit 1; }
	[ -n "$tags" ] || tags=$(echo "$old" | cut -f3)
	stage "$id" "$(printf '%s\t%s\t%s\t%s' "$id" "$zone" "$b" "$tags")"
	printf 'Role changes are staged but not yet committed.\nUse \140garage layout show\140 to view staged role changes,\nand \140garage layout apply\140 to enact staged changes.\n'
	;;
'layout remove')
	[ $# = 3 ] || { echo "fake garage: layout remove takes one node id" >&2; exit 1; }
	id=$(node "$3") || exit 1
	stage "$id" "$(printf '%s\t-' "$id")"
	printf 'Role removal is staged but not yet committed.\nUse \140garage layout show\140 to view staged role changes,\nand \140garage layout apply\140 to enact staged changes.\n'
	;;
'layout revert')
	[ "${3:-}" = --yes ] || { echo "Error: Please add the --yes flag to run the layout revert operation" >&2; exit 1; }
	: >"$dir/staged"
	echo "All proposed role changes in cluster layout have been canceled."
	;;
'layout apply')
	if [ "${3:-}" != --version ] || [ -z "${4:-}" ]; then
		echo "Error: Please pass the new layout version number to ensure that you are writing the correct version of the cluster layout." >&2
		exit 1
	fi
	[ "$4" = $((version + 1)) ] || { echo "Error: Invalid new layout version" >&2; exit 1; }
	merged >"$dir/roles.$$"
	err=$(refusal "$dir/roles.$$")
	if [ -n "$err" ]; then
		rm -f "$dir/roles.$$"
		echo "Error: $err" >&2
		exit 1
	fi
	computation "$dir/roles.$$"
	mv "$dir/roles.$$" "$dir/roles"
	: >"$dir/staged"
	echo "$4" >"$dir/version"
	printf 'New cluster layout with updated role assignment has been applied in cluster.\nData will now be moved around between nodes accordingly.\n'
	;;
*)
	echo "fake garage: no fake for: $*" >&2
	exit 1
	;;
esac`

// A GarageCluster is a fake Garage cluster that stand-in hosts share: the
// layout a `garage layout` command changes on one host is the one the
// others show.
type GarageCluster struct {
	// Dir holds the cluster's files (see fakeGarage).
	Dir string
}

// NewGarageCluster makes a fake cluster keeping replication copies of
// every object, removed when the test ends.
func NewGarageCluster(t testing.TB, replication int) *GarageCluster {
	t.Helper()
	// Not t.TempDir, for the reason Start gives.
	dir, err := os.MkdirTemp("", "sshhost-garage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "replication_factor"), []byte(fmt.Sprintln(replication)), 0o644); err != nil {
		t.Fatal(err)
	}
	return &GarageCluster{Dir: dir}
}

// Join makes h a node of the cluster, with the hostname and the RPC
// address (host:port) `garage status` and `garage node id` print. The node
// becomes known to the cluster on its first garage command.
func (c *GarageCluster) Join(h *Host, hostname, addr string) {
	h.t.Helper()
	for name, content := range map[string]string{"garage-cluster": c.Dir, "garage-hostname": hostname, "garage-addr": addr} {
		if err := os.WriteFile(h.path("fake", name), []byte(content+"\n"), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}

// GarageNodeID is the full id of the host's Garage node, 64 hex digits,
// made now if no garage command has made it yet.
func (h *Host) GarageNodeID() string {
	h.t.Helper()
	file := h.path("var", "lib", "garage", "meta", "node_key.pub")
	key, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		key = make([]byte, 32)
		rand.Read(key)
		if err = os.MkdirAll(filepath.Dir(file), 0o755); err == nil {
			err = os.WriteFile(file, key, 0o644)
		}
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return hex.EncodeToString(key)
}
