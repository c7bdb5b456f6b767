package sshhost

import "strings"

// The host's nix-store, for deploys that build on the operator's machine
// and send the closure over SSH (deploy.BuildOnLocal).
//
// A store path /nix/store/x is valid on the host when $FAKE_ROOT/nix/store/x
// exists. --import really imports: it saves the stream it reads as
// fake/imports/<n> (the first import is 1), unpacks every path in it — a
// real nix-store --export stream, parsed below — to $FAKE_ROOT/nix/store,
// and prints the paths, as the real one does. A truncated or malformed
// stream fails, as it does with the real one. So a test can compare what
// the host received with what was exported, and run what was imported
// (a system's bin/switch-to-configuration).
func init() {
	if _, ok := fakes["nix-store"]; ok {
		panic("sshhost: nix-store has two fakes")
	}
	if strings.Contains(fakeExportPlan, "'") {
		panic("sshhost: the awk program of the nix-store fake must not contain single quotes")
	}
	fakes["nix-store"] = "fake_export_plan='" + fakeExportPlan + "'\n" + fakeNixStore
}

const fakeNixStore = `case $1 in
--check-validity)
	shift
	print=
	if [ "$1" = --print-invalid ]; then
		print=1
		shift
	fi
	for p in "$@"; do
		case $p in
		/nix/store/?*) ;;
		*)
			echo "error: path '$p' is not in the Nix store" >&2
			exit 1
			;;
		esac
		if [ ! -e "$FAKE_ROOT$p" ] && [ ! -L "$FAKE_ROOT$p" ]; then
			if [ -z "$print" ]; then
				echo "error: path '$p' is not valid" >&2
				exit 1
			fi
			echo "$p"
		fi
	done
	;;
--import)
	imports=$FAKE/imports
	mkdir -p "$imports"
	n=1
	while [ -e "$imports/$n" ]; do n=$((n + 1)); done
	stream=$imports/$n
	cat >"$stream"
	od -An -v -tu1 "$stream" | LC_ALL=C awk "$fake_export_plan" >"$stream.plan" || exit 1
	stage=$stream.d
	mkdir -p "$stage"
	tab=$(printf '\t')
	while IFS=$tab read -r kind a b c d; do
		case $kind in
		d) mkdir -p "$stage/$a" ;;
		f)
			tail -c "+$((b + 1))" "$stream" | head -c "$c" >"$stage/$a"
			if [ "$d" = 1 ]; then chmod 755 "$stage/$a"; fi
			;;
		l) ln -s "$b" "$stage/$a" ;;
		p)
			if [ ! -e "$FAKE_ROOT$b" ] && [ ! -L "$FAKE_ROOT$b" ]; then
				mv "$stage/$a" "$FAKE_ROOT$b"
			fi
			echo "$b"
			;;
		esac
	done <"$stream.plan"
	rm -rf "$stage"
	;;
*)
	echo "fake nix-store: no fake for: $*" >&2
	exit 1
	;;
esac`

// fakeExportPlan is an awk program that reads a nix-store --export stream,
// as od -An -tu1 prints it, and writes what to unpack, a line each:
// "d <k>/<path>" a directory, "f <k>/<path> <offset> <length> <executable>"
// a file whose content is at offset in the stream, "l <k>/<path> <target>"
// a symlink, and after the k-th path's archive "p <k> <store path>". The
// format (NixOS/nix src/libstore/export-import.cc, src/libutil/archive.cc):
// integers are 64-bit little-endian, strings a length and the bytes padded
// to 8; each path is 1, its NAR, 0x4558494e, the path, its references, its
// deriver and 0 (no legacy signature); the stream ends with 0.
const fakeExportPlan = `
BEGIN { for (i = 1; i < 256; i++) chr[i] = sprintf("%c", i) }
{ for (i = 1; i <= NF; i++) b[n++] = $i + 0 }
function fail(msg) {
	print "error: " msg > "/dev/stderr"
	exit 1
}
function num(   v, m, i) {
	if (pos + 8 > n) fail("unexpected end-of-file")
	v = 0; m = 1
	for (i = 0; i < 8; i++) { v += b[pos + i] * m; m *= 256 }
	pos += 8
	return v
}
function skip(len) {
	if (pos + len > n) fail("unexpected end-of-file")
	pos += len + (8 - len % 8) % 8
}
function str(   len, s, i) {
	len = num()
	if (pos + len > n) fail("unexpected end-of-file")
	s = ""
	for (i = 0; i < len; i++) s = s chr[b[pos + i]]
	skip(len)
	return s
}
function expect(want,   got) {
	got = str()
	if (got != want) fail("bad archive: expected \"" want "\", got \"" got "\"")
}
function node(path,   t, x, len, name) {
	expect("(")
	expect("type")
	t = str()
	if (t == "regular") {
		x = 0
		t = str()
		if (t == "executable") { expect(""); x = 1; t = str() }
		if (t != "contents") fail("bad archive: expected \"contents\", got \"" t "\"")
		len = num()
		printf "f\t%s\t%d\t%d\t%d\n", path, pos, len, x
		skip(len)
	} else if (t == "symlink") {
		expect("target")
		printf "l\t%s\t%s\n", path, str()
	} else if (t == "directory") {
		printf "d\t%s\n", path
		while ((t = str()) == "entry") {
			expect("(")
			expect("name")
			name = str()
			if (name == "" || name == "." || name == ".." || index(name, "/")) fail("bad archive: entry name \"" name "\"")
			expect("node")
			node(path "/" name)
			expect(")")
		}
		if (t != ")") fail("bad archive: expected \")\", got \"" t "\"")
		return
	} else fail("bad archive: unknown file type \"" t "\"")
	expect(")")
}
END {
	pos = 0
	while ((more = num()) == 1) {
		k++
		expect("nix-archive-1")
		node(k)
		if (num() != 1163413838) fail("Nix archive cannot be imported; wrong format")
		path = str()
		if (path !~ /^\/nix\/store\/[0-9a-z]+-[A-Za-z0-9+._?=-]+$/) fail("bad store path \"" path "\"")
		for (r = num(); r > 0; r--) str()
		str()
		if (num() == 1) str()
		print "p\t" k "\t" path
	}
	if (more != 0) fail("input does not look like something created by nix-store --export")
}
`
