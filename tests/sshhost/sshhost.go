// Package sshhost starts a stand-in NixOS host for tests: a real OpenSSH
// server (Debian's openssh-server) on 127.0.0.1, run as the current user in
// a temporary root, whose sessions find fake NixOS commands first on PATH.
//
// A real sshd rather than an in-process SSH server, because what is tested
// is the conversation with the server freecloud meets in production:
// OpenSSH's host key negotiation, exec requests through the login shell,
// signals, exit statuses and stderr. The fakes (nixos-rebuild,
// switch-to-configuration, nix-env, systemctl, systemd-run, journalctl,
// curl, nixos-version, kexec, nixos-install, blkid, mkfs.ext4, garage,
// zpool) are small shell scripts that record every call and keep a
// miniature /nix, /run/current-system, data disks and pools in the
// temporary root, so that a switch and a rollback change what the host
// runs and a format what its disks hold. Rules (On) make any of them print, fail or hang.
//
// Connections go through a small TCP proxy in front of sshd, so a test can
// refuse or stall new connections and drop open ones: the failures of a
// real network after a bad switch.
package sshhost

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHD is where Debian's openssh-server installs the daemon.
const SSHD = "/usr/sbin/sshd"

// A Host is a running stand-in host.
type Host struct {
	// Addr and Port are where to connect (the proxy in front of sshd).
	Addr string
	Port int
	// User is the login: the user running the test.
	User string
	// HostKey is the host's public key in authorized_keys format.
	HostKey string
	// ClientKey is the one key the host accepts; ClientKeyPEM is its
	// OpenSSH private key file.
	ClientKey    ssh.Signer
	ClientKeyPEM []byte
	// Root is the temporary root: paths the deploy code writes on a real
	// host (/var/lib/freecloud, /etc/freecloud, /nix, /run) are below it.
	Root string
	// Log is the file where every fake command appends its call.
	Log string

	t          testing.TB
	sshd       *exec.Cmd
	sshdAddr   string
	sshdExited chan struct{}
	sshdLog    *syncBuffer
	proxy      *proxy
	rules      int
	mu         sync.Mutex
	stop       sync.Once
}

// Start starts a stand-in host and stops it when the test ends. Without
// sshd the test is skipped, except under CI=true where that is a failure.
func Start(t testing.TB) *Host {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: apt-get install openssh-server", SSHD)
		}
		t.Skipf("%s not found (apt-get install openssh-server); skipping the tests against a real SSH server", SSHD)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: a command of the host may still be finishing (and
	// logging) when the test ends; Stop removes the root once it is quiet.
	root, err := os.MkdirTemp("", "sshhost-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) }) // when Start fails before Stop is set up
	h := &Host{t: t, Root: root, User: u.Username, Addr: "127.0.0.1", Log: filepath.Join(root, "fake", "calls.log")}
	if err := h.layout(); err != nil {
		t.Fatal(err)
	}
	if err := h.keys(); err != nil {
		t.Fatal(err)
	}
	if u.Uid == "0" {
		// sshd started by root separates privileges into this directory,
		// which a system normally creates at boot.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.startSSHD(); err != nil {
		t.Fatal(err)
	}
	p, err := startProxy(h.sshdAddr)
	if err != nil {
		h.Stop()
		t.Fatal(err)
	}
	h.proxy = p
	h.Port = p.port()
	t.Cleanup(h.Stop)
	return h
}

// path is a file of the temporary root.
func (h *Host) path(elem ...string) string {
	return filepath.Join(append([]string{h.Root}, elem...)...)
}

func (h *Host) keys() error {
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(hostPriv, "stand-in host")
	if err != nil {
		return err
	}
	if err := os.WriteFile(h.path("sshd", "host_ed25519"), pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		return err
	}
	h.HostKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostSigner.PublicKey())))

	_, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if h.ClientKey, err = ssh.NewSignerFromKey(clientPriv); err != nil {
		return err
	}
	if block, err = ssh.MarshalPrivateKey(clientPriv, "test client"); err != nil {
		return err
	}
	h.ClientKeyPEM = pem.EncodeToMemory(block)
	return os.WriteFile(h.path("sshd", "authorized_keys"), ssh.MarshalAuthorizedKey(h.ClientKey.PublicKey()), 0o600)
}

// sshdConfig is a daemon that listens on loopback only, accepts only the
// test's key for the current user, and gives sessions the fakes' PATH and
// a HOME in the temporary root, so that the user's own shell start-up
// files (a ~/.bashrc that changes PATH, or is slow) stay out of the tests.
const sshdConfig = `ListenAddress 127.0.0.1:%d
HostKey %s
PidFile %s
AuthorizedKeysFile %s
AllowUsers %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
MaxStartups 100
MaxSessions 100
SetEnv PATH=%s:/usr/local/bin:/usr/bin:/bin HOME=%s
`

// startSSHD runs sshd in the foreground on a free port, retrying on the
// rare port taken between choosing and binding it.
func (h *Host) startSSHD() error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		config := fmt.Sprintf(sshdConfig, port, h.path("sshd", "host_ed25519"), h.path("sshd", "sshd.pid"), h.path("sshd", "authorized_keys"), h.User, h.path("fake", "bin"), h.path("home"))
		configFile := h.path("sshd", "sshd_config")
		if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
			return err
		}
		h.sshdLog = &syncBuffer{}
		cmd := exec.Command(SSHD, "-D", "-e", "-f", configFile)
		cmd.Stdout, cmd.Stderr = h.sshdLog, h.sshdLog
		if err := cmd.Start(); err != nil {
			return err
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		h.sshd, h.sshdAddr, h.sshdExited = cmd, fmt.Sprintf("127.0.0.1:%d", port), exited
		if lastErr = waitForBanner(h.sshdAddr, exited); lastErr == nil {
			return nil
		}
		cmd.Process.Kill()
		<-exited
		lastErr = fmt.Errorf("%v; sshd said:\n%s", lastErr, h.sshdLog)
		h.sshd = nil
	}
	return lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitForBanner waits until sshd answers with its SSH banner.
func waitForBanner(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("sshd exited")
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("sshd did not answer on %s within 10s", addr)
}

// Stop stops the host: the proxy and its connections, sshd, and the
// background jobs the fake systemd-run started. It is idempotent and runs
// by itself when the test ends; hanging fakes notice and exit.
func (h *Host) Stop() {
	h.stop.Do(func() {
		os.Remove(h.path("fake", "running"))
		if h.proxy != nil {
			h.proxy.close()
		}
		if h.sshd != nil {
			h.sshd.Process.Signal(syscall.SIGTERM)
			select {
			case <-h.sshdExited:
			case <-time.After(5 * time.Second):
				h.sshd.Process.Kill()
			}
		}
		units, _ := filepath.Glob(h.path("run", "fake-units", "*.pid"))
		for _, f := range units {
			data, _ := os.ReadFile(f)
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				syscall.Kill(-pid, syscall.SIGKILL) // the job's process group
			}
		}
		if h.t.Failed() && h.sshdLog != nil {
			h.t.Logf("sshd log of the stand-in host:\n%s", h.sshdLog)
		}
		h.removeRoot()
	})
}

// removeRoot removes the host's files, again while a command that
// outlived its session (its connection closed) still writes there.
func (h *Host) removeRoot() {
	makeRemovable(h.Root)
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = os.RemoveAll(h.Root); err == nil {
			return
		}
		makeRemovable(h.Root)
	}
	h.t.Errorf("removing the stand-in host's files %s: %v", h.Root, err)
}

// makeRemovable makes every directory below root writable: the fake Nix
// store's are read-only, as in a real store.
func makeRemovable(root string) {
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o755)
		}
		return nil
	})
}

// A Mode is how the host treats new connections.
type Mode int32

const (
	// Accept forwards new connections to sshd.
	Accept Mode = iota
	// Refuse closes new connections at once, as a host whose sshd or
	// network is gone.
	Refuse
	// Stall accepts new connections and never answers, as a host behind a
	// firewall that drops packets.
	Stall
)

// SetConnections says how new connections are treated from now on; open
// connections are not affected.
func (h *Host) SetConnections(m Mode) { h.proxy.mode.Store(int32(m)) }

// DropConnections closes every open connection, as a network that went
// away.
func (h *Host) DropConnections() { h.proxy.dropAll() }

// syncBuffer collects sshd's log, written by exec's copying goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// AcceptClientOf lets the client key of another stand-in host log in here
// too, so that one operator reaches several hosts with one key, as an
// admin key does.
func (h *Host) AcceptClientOf(other *Host) {
	h.t.Helper()
	f, err := os.OpenFile(h.path("sshd", "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(ssh.MarshalAuthorizedKey(other.ClientKey.PublicKey())); err != nil {
		h.t.Fatal(err)
	}
}
