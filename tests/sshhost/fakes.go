package sshhost

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fakeLib is sourced by every fake command. fake_call records the call in
// calls.log — the SSH connection it came through, a tab, then argv quoted
// as a POSIX shell needs it (as sshx.Quote does) — and applies the newest
// rule matching the arguments.
const fakeLib = `# Shared by the fake commands of a stand-in host (package sshhost).
FAKE=$FAKE_ROOT/fake

fake_quote() {
	case $1 in
	'' | *[!A-Za-z0-9_./=:@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}

fake_call() {
	fake_name=$1
	shift
	fake_line=$fake_name
	case $0 in "$FAKE_ROOT"/nix/*) fake_line=${0#"$FAKE_ROOT"} ;; esac
	for fake_arg in "$@"; do fake_line="$fake_line $(fake_quote "$fake_arg")"; done
	fake_conn=${SSH_CLIENT% *}
	printf '%s:%s\t%s\n' "${fake_conn% *}" "${fake_conn#* }" "$fake_line" >>"$FAKE/calls.log"
	for fake_rule in "$FAKE/rules/$fake_name"/*; do
		[ -f "$fake_rule/pattern" ] || continue
		fake_pattern=$(cat "$fake_rule/pattern")
		case "$*" in
		$fake_pattern)
			cat "$fake_rule/stdout"
			cat "$fake_rule/stderr" >&2
			if [ -e "$fake_rule/hang" ]; then
				while [ -e "$FAKE/running" ]; do sleep 0.1; done
			fi
			exit "$(cat "$fake_rule/exit")"
			;;
		esac
	done
}

# fake_os_release makes the host look like an installed NixOS ("nixos"),
# NixOS's installer running from RAM ("installer") or Debian ("debian").
fake_os_release() {
	case $1 in
	nixos)
		printf 'NAME=NixOS\nID=nixos\nVERSION_ID="26.05"\n' >"$FAKE_ROOT/etc/os-release"
		: >"$FAKE_ROOT/etc/NIXOS"
		;;
	installer)
		printf 'NAME=NixOS\nID=nixos\nVERSION_ID="25.11"\nVARIANT_ID=installer\n' >"$FAKE_ROOT/etc/os-release"
		: >"$FAKE_ROOT/etc/NIXOS"
		;;
	debian)
		printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n' >"$FAKE_ROOT/etc/os-release"
		rm -f "$FAKE_ROOT/etc/NIXOS"
		;;
	esac
}

# fake_new_system makes the next system generation in the store and prints
# its path.
fake_new_system() {
	fake_n=$(($(cat "$FAKE/generation") + 1))
	echo "$fake_n" >"$FAKE/generation"
	fake_sys=$FAKE_ROOT/nix/store/fake-$fake_n-system
	mkdir -p "$fake_sys/bin" "$fake_sys/sw/bin"
	ln -s "$FAKE/bin/switch-to-configuration" "$fake_sys/bin/switch-to-configuration"
	echo "$fake_sys"
}
`

// fakes are the default behaviours of the fake commands, after the call is
// recorded and no rule matched.
var fakes = map[string]string{
	"nixos-version": `echo '25.05.20250101.0000000 (Warbler)'`,

	// build makes a new generation (./result); switch points the system
	// profile at the last build and activates it, as the real one does.
	"nixos-rebuild": `action=$1
flake=
while [ $# -gt 0 ]; do
	case $1 in
	--flake) flake=$2; shift ;;
	--option) shift 2 ;;
	esac
	shift
done
dir=${flake%%#*}
if [ ! -f "$dir/flake.nix" ]; then
	echo "error: path '$dir' does not contain a 'flake.nix'" >&2
	exit 1
fi
case $action in
build)
	sys=$(fake_new_system)
	ln -sfn "$sys" result
	echo "$sys" >"$FAKE/built"
	;;
switch)
	sys=$(cat "$FAKE/built" 2>/dev/null) || sys=$(fake_new_system)
	ln -sfn "$sys" "$FAKE_ROOT/nix/var/nix/profiles/system"
	exec "$sys/bin/switch-to-configuration" switch
	;;
esac`,

	// Called as <generation>/bin/switch-to-configuration: makes that
	// generation the running system.
	"switch-to-configuration": `case $1 in
switch | test) ln -sfn "$(dirname "$(dirname "$0")")" "$FAKE_ROOT/run/current-system" ;;
esac`,

	"nix-env": `profile=
set=
while [ $# -gt 0 ]; do
	case $1 in
	-p | --profile) profile=$2; shift ;;
	--set) set=$2; shift ;;
	esac
	shift
done
if [ -n "$profile" ] && [ -n "$set" ]; then ln -sfn "$set" "$profile"; fi`,

	// stop of a timer kills the job the fake systemd-run started.
	"systemctl": `case $1 in
is-system-running) echo running ;;
is-active)
	case $2 in
	*.timer)
		if [ ! -f "$FAKE_ROOT/run/fake-units/$2.pid" ]; then
			echo inactive
			exit 3
		fi
		echo active
		;;
	*) echo active ;;
	esac
	;;
restart)
	# A secret's unit rotates when it finds its marker, and removes it
	# (modules/secrets.nix); other units restart without a trace.
	shift
	for unit in "$@"; do
		case $unit in
		freecloud-secret-*) rm -f "$FAKE_ROOT"/var/lib/freecloud/secrets/*/.*.rotate ;;
		freecloud-zpool-import.service)
			# The unit imports its pool once it is on the volumes (zpool.go).
			bypath=$FAKE_ROOT/dev/disk/by-path
			for pool in $(zpool import -d "$bypath" 2>/dev/null | sed -n 's/^ *pool: //p'); do
				zpool import -d "$bypath" "$pool"
			done
			;;
		esac
	done
	;;
stop)
	shift
	for unit in "$@"; do
		pidfile=$FAKE_ROOT/run/fake-units/$unit.pid
		if [ -f "$pidfile" ]; then
			kill -9 "-$(cat "$pidfile")" 2>/dev/null
			rm -f "$pidfile"
		fi
	done
	;;
esac`,

	// A transient timer: the command runs in its own process group after
	// --on-active, unless systemctl stop <unit>.timer kills it first.
	"systemd-run": `unit=run-$$
delay=0
while [ $# -gt 0 ]; do
	case $1 in
	--unit=*) unit=${1#--unit=} ;;
	--on-active=*) delay=${1#--on-active=}; delay=${delay%s} ;;
	-*) ;;
	*) break ;;
	esac
	shift
done
units=$FAKE_ROOT/run/fake-units
mkdir -p "$units"
pidfile=$units/$unit.timer.pid
if [ -f "$pidfile" ]; then
	echo "Failed to start transient timer unit: Unit $unit.timer was already loaded or has a fragment file." >&2
	exit 1
fi
setsid sh -c 'sleep "$1"; rm -f "$2"; shift 2; exec "$@"' fake-timer "$delay" "$pidfile" "$@" </dev/null >>"$units/$unit.log" 2>&1 &
echo $! >"$pidfile"
echo "Running timer as unit: $unit.timer"`,

	"journalctl": `echo '-- No entries --'`,
	"curl":       `printf 200`,

	// The install of a machine that does not run NixOS yet: kexec -e
	// "boots" the installer (the host keys stay, as nixos-images' kexec
	// installer keeps them); nix build of a diskoScript prints the fake
	// disko, which "formats" /mnt; nixos-install puts a new generation
	// in /mnt's system profile; reboot "boots" what /mnt holds.
	"kexec": `case " $* " in
*" -e "*) fake_os_release installer ;;
esac`,
	"nix": `case "$*" in
*diskoScript*)
	for arg in "$@"; do case $arg in *'#'*) flake=$arg ;; esac; done
	dir=${flake%%#*}
	if [ ! -f "$dir/flake.nix" ]; then
		echo "error: path '$dir' does not contain a 'flake.nix'" >&2
		exit 1
	fi
	script=$FAKE_ROOT/nix/store/fake-disko-script
	ln -sfn "$FAKE/bin/disko" "$script"
	echo "$script"
	;;
*)
	echo "fake nix: no fake for: $*" >&2
	exit 1
	;;
esac`,
	"disko": `mkdir -p "$FAKE_ROOT/mnt/boot" "$FAKE_ROOT/mnt/nix/store"`,
	"nixos-install": `root=/mnt
flake=
while [ $# -gt 0 ]; do
	case $1 in
	--root) root=$2; shift ;;
	--flake) flake=$2; shift ;;
	--option) shift 2 ;;
	esac
	shift
done
dir=${flake%%#*}
if [ ! -f "$dir/flake.nix" ]; then
	echo "error: path '$dir' does not contain a 'flake.nix'" >&2
	exit 1
fi
if [ ! -d "$root/nix/store" ]; then
	echo "$root is not formatted and mounted" >&2
	exit 1
fi
sys=$(fake_new_system)
mkdir -p "$root/nix/var/nix/profiles"
ln -sfn "$sys" "$root/nix/var/nix/profiles/system"
echo "installation finished!"`,
	"reboot": `mnt=$FAKE_ROOT/mnt
if [ -f "$mnt/etc/ssh/ssh_host_ed25519_key" ]; then
	cp "$mnt/etc/ssh/ssh_host_ed25519_key" "$FAKE_ROOT/sshd/host_ed25519"
	kill -HUP "$(cat "$FAKE_ROOT/sshd/sshd.pid")"
fi
if [ -L "$mnt/nix/var/nix/profiles/system" ]; then
	sys=$(readlink -f "$mnt/nix/var/nix/profiles/system")
	ln -sfn "$sys" "$FAKE_ROOT/nix/var/nix/profiles/system"
	ln -sfn "$sys" "$FAKE_ROOT/run/current-system"
	rm -rf "$FAKE_ROOT/etc/freecloud" "$FAKE_ROOT/var/lib/freecloud"
	mkdir -p "$FAKE_ROOT/var/lib"
	[ -d "$mnt/etc/freecloud" ] && cp -R "$mnt/etc/freecloud" "$FAKE_ROOT/etc/freecloud"
	[ -d "$mnt/var/lib/freecloud" ] && cp -R "$mnt/var/lib/freecloud" "$FAKE_ROOT/var/lib/freecloud"
	fake_os_release nixos
fi
rm -rf "$mnt"`,
}

// layout makes the temporary root: sshd's files, the fakes, and a
// miniature NixOS whose generation 1 is running.
func (h *Host) layout() error {
	for _, dir := range []string{"sshd", "home", "fake/bin", "fake/rules", "etc", "nix/var/nix/profiles", "run/fake-units"} {
		if err := os.MkdirAll(h.path(dir), 0o755); err != nil {
			return err
		}
	}
	files := map[string]string{
		"fake/lib.sh":     fakeLib,
		"fake/running":    "",
		"fake/calls.log":  "",
		"fake/generation": "1\n",
		"etc/NIXOS":       "",
		"etc/os-release":  "NAME=NixOS\nID=nixos\nVERSION_ID=\"26.05\"\n",
	}
	for name, content := range files {
		if err := os.WriteFile(h.path(name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for name, body := range fakes {
		script := fmt.Sprintf("#!/bin/sh\n# Fake %s of a stand-in host (package sshhost).\nFAKE_ROOT=%s\n. \"$FAKE_ROOT/fake/lib.sh\"\nfake_call %s \"$@\"\n%s\n",
			name, shellQuote(h.Root), name, body)
		if err := os.WriteFile(h.path("fake", "bin", name), []byte(script), 0o755); err != nil {
			return err
		}
	}
	gen1 := h.path("nix", "store", "fake-1-system")
	for _, dir := range []string{"bin", "sw/bin"} {
		if err := os.MkdirAll(filepath.Join(gen1, dir), 0o755); err != nil {
			return err
		}
	}
	links := map[string]string{
		filepath.Join(gen1, "bin", "switch-to-configuration"): h.path("fake", "bin", "switch-to-configuration"),
		h.path("nix", "var", "nix", "profiles", "system"):     gen1,
		h.path("run", "current-system"):                       gen1,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}

// A Reply is what a fake command does when a rule matches.
type Reply struct {
	Stdout, Stderr string
	Exit           int
	// Hang makes the command wait until it is killed or the host stops.
	Hang bool
}

// On makes a fake command answer with r when called with matching
// arguments. pattern is the command name, then a shell glob matched
// against its arguments joined by spaces ("systemctl is-active *",
// "nixos-rebuild switch *"); the name alone matches every call. The
// newest matching rule wins.
func (h *Host) On(pattern string, r Reply) {
	h.t.Helper()
	name, args, _ := strings.Cut(pattern, " ")
	if _, ok := fakes[name]; !ok {
		h.t.Fatalf("sshhost: no fake command %q", name)
	}
	if args == "" {
		args = "*"
	}
	h.mu.Lock()
	h.rules++
	dir := h.path("fake", "rules", name, fmt.Sprintf("%06d", 999999-h.rules))
	h.mu.Unlock()
	files := map[string]string{"pattern": args, "stdout": r.Stdout, "stderr": r.Stderr, "exit": fmt.Sprint(r.Exit)}
	if r.Hang {
		files["hang"] = ""
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}

// A Call is one recorded call of a fake command.
type Call struct {
	// Line is the command (for a generation's switch-to-configuration,
	// its path below Root) and its shell-quoted arguments.
	Line string
	// Conn is the SSH connection it came through (the client's address
	// and port as sshd saw it): calls with equal Conn came through the
	// same connection.
	Conn string
}

// Calls returns the recorded calls, oldest first.
func (h *Host) Calls() []Call {
	h.t.Helper()
	data, err := os.ReadFile(h.Log)
	if err != nil {
		h.t.Fatal(err)
	}
	var calls []Call
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if conn, cmd, ok := strings.Cut(line, "\t"); ok {
			calls = append(calls, Call{Line: cmd, Conn: conn})
		}
	}
	return calls
}

// Commands returns the lines of the recorded calls, oldest first.
func (h *Host) Commands() []string {
	h.t.Helper()
	var lines []string
	for _, c := range h.Calls() {
		lines = append(lines, c.Line)
	}
	return lines
}

// CurrentSystem is the generation the host runs, as a path below Root
// ("/nix/store/fake-1-system" at start).
func (h *Host) CurrentSystem() string {
	h.t.Helper()
	target, err := os.Readlink(h.path("run", "current-system"))
	if err != nil {
		h.t.Fatal(err)
	}
	return strings.TrimPrefix(target, h.Root)
}

// Generation returns the path of system generation n in the host's store
// as the deploy code sees it (Root included).
func (h *Host) Generation(n int) string {
	return h.path("nix", "store", fmt.Sprintf("fake-%d-system", n))
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
