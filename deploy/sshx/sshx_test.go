package sshx_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
)

func target(t *testing.T, h *sshhost.Host, policy sshx.HostKeyPolicy) sshx.Target {
	t.Helper()
	return sshx.Target{Machine: "web1", Host: h.Addr, Port: h.Port, User: h.User, HostKey: policy, ConnectTimeout: 3 * time.Second}
}

func pinned(t *testing.T, key string) sshx.HostKeyPolicy {
	t.Helper()
	p, err := sshx.Pinned(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func connect(t *testing.T, h *sshhost.Host) *sshx.Conn {
	t.Helper()
	c, err := sshx.Connect(context.Background(), target(t, h, pinned(t, h.HostKey)), sshx.SignerAuth(h.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func otherKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(ssh.MarshalAuthorizedKey(key))
}

func fingerprint(t *testing.T, authorized string) string {
	t.Helper()
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(key)
}

func TestHostKeyPolicies(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	auth := sshx.SignerAuth(h.ClientKey)
	ctx := context.Background()

	t.Run("pinned key accepted", func(t *testing.T) {
		c := connect(t, h)
		if c.TrustedOnFirstUse() || c.HostKey() != h.HostKey {
			t.Errorf("pinned connection: TOFU %v, key %q; want false, %q", c.TrustedOnFirstUse(), c.HostKey(), h.HostKey)
		}
	})

	t.Run("other key refused", func(t *testing.T) {
		other := otherKey(t)
		_, err := sshx.Connect(ctx, target(t, h, pinned(t, other)), auth)
		var mismatch *sshx.HostKeyError
		if !errors.As(err, &mismatch) {
			t.Fatalf("connecting with another pinned key: %v; want a HostKeyError", err)
		}
		for _, want := range []string{"web1", fingerprint(t, other), fingerprint(t, h.HostKey)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})

	t.Run("other key refused, named by its source", func(t *testing.T) {
		_, err := sshx.Connect(ctx, target(t, h, pinned(t, otherKey(t)).From("its provider's console")), auth)
		var mismatch *sshx.HostKeyError
		if !errors.As(err, &mismatch) || mismatch.Source != "its provider's console" {
			t.Fatalf("connecting with a console's other key: %v; want a HostKeyError from the console", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "is not the one its provider's console shows") || strings.Contains(msg, "state pins") {
			t.Errorf("error %q should say the console's key was expected, not state's", msg)
		}
	})

	t.Run("trust on first use returns the key", func(t *testing.T) {
		c, err := sshx.Connect(ctx, target(t, h, sshx.TrustOnFirstUse()), auth)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if !c.TrustedOnFirstUse() || c.HostKey() != h.HostKey {
			t.Errorf("TOFU connection: TOFU %v, key %q; want true, %q", c.TrustedOnFirstUse(), c.HostKey(), h.HostKey)
		}
	})

	t.Run("no policy refuses", func(t *testing.T) {
		_, err := sshx.Connect(ctx, target(t, h, sshx.HostKeyPolicy{}), auth)
		if err == nil || !strings.Contains(err.Error(), "no host key policy") {
			t.Errorf("connecting without a policy: %v; want a refusal", err)
		}
	})

	t.Run("unknown client key refused", func(t *testing.T) {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		signer, _ := ssh.NewSignerFromKey(priv)
		_, err := sshx.Connect(ctx, target(t, h, pinned(t, h.HostKey)), sshx.SignerAuth(signer))
		if err == nil || !strings.Contains(err.Error(), "no key was accepted") {
			t.Errorf("connecting with an unknown key: %v; want an authentication hint", err)
		}
	})

	t.Run("jump host", func(t *testing.T) {
		jump := target(t, h, pinned(t, h.HostKey))
		jump.Machine = "bastion"
		tgt := target(t, h, pinned(t, h.HostKey))
		tgt.JumpHost = &jump
		c, err := sshx.Connect(ctx, tgt, auth)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Run(ctx, "probe", "true"); err != nil {
			t.Fatal(err)
		}
		again, err := c.Redial(ctx)
		if err != nil {
			t.Fatalf("redial through the jump host: %v", err)
		}
		again.Close()
	})
}

func TestConnectTimeoutIsBounded(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	h.SetConnections(sshhost.Stall)
	tgt := target(t, h, pinned(t, h.HostKey))
	tgt.ConnectTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := sshx.Connect(context.Background(), tgt, sshx.SignerAuth(h.ClientKey))
	if !errors.Is(err, sshx.ErrTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("connecting to a stalled host: %v after %s; want ErrTimeout within about 300ms", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "web1: connect") {
		t.Errorf("error %q does not name the machine and step", err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	ctx := context.Background()

	r, err := c.Run(ctx, "echo", "echo out; echo err >&2")
	if err != nil || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" || r.ExitCode != 0 {
		t.Errorf("Run: %+v, %v", r, err)
	}

	script := "for i in $(seq 1 30); do echo line$i >&2; done; exit 3"
	r, err = c.Run(ctx, "build", script)
	var e *sshx.Error
	if !errors.As(err, &e) || !errors.Is(err, sshx.ErrExit) || r.ExitCode != 3 || e.ExitCode != 3 {
		t.Fatalf("failing command: %+v, %v; want exit 3", r, err)
	}
	if e.Machine != "web1" || e.Step != "build" || !strings.HasPrefix(e.Stderr, "line11\n") || !strings.HasSuffix(e.Stderr, "line30") {
		t.Errorf("error carries machine %q, step %q, stderr %q; want web1, build, the last 20 lines", e.Machine, e.Step, e.Stderr)
	}
	if !strings.Contains(err.Error(), "web1: build: command failed: exit status 3") {
		t.Errorf("error %q", err)
	}

	r, err = c.Run(ctx, "path", "command -v nixos-rebuild")
	if err != nil || !strings.HasPrefix(string(r.Stdout), h.Root) {
		t.Errorf("sessions do not find the fakes first: %q, %v", r.Stdout, err)
	}
}

func TestRunTimeoutKillsTheCommand(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	h.On("nixos-rebuild", sshhost.Reply{Stderr: "building...\n", Hang: true})
	c := connect(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Run(ctx, "switch", "nixos-rebuild switch")
	if !errors.Is(err, sshx.ErrTimeout) || time.Since(start) > 3*time.Second {
		t.Fatalf("hanging command: %v after %s; want ErrTimeout", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "web1: switch: timed out after") || !strings.Contains(err.Error(), "building...") {
		t.Errorf("error %q does not name machine, step and stderr", err)
	}
	// The connection is still usable, and the remote process is gone.
	deadline := time.Now().Add(3 * time.Second)
	for {
		r, err := c.Run(context.Background(), "ps", "ps -eo args")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(r.Stdout), filepath.Join(h.Root, "fake/bin/nixos-rebuild")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hanging command still runs on the host:\n%s", r.Stdout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunConnectionLost(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	h.On("nixos-rebuild", sshhost.Reply{Hang: true})
	c := connect(t, h)
	go func() {
		time.Sleep(200 * time.Millisecond)
		h.DropConnections()
	}()
	_, err := c.Run(context.Background(), "switch", "nixos-rebuild switch")
	if !errors.Is(err, sshx.ErrConnectionLost) || !strings.Contains(err.Error(), "web1: switch: connection lost") {
		t.Fatalf("dropped connection: %v; want ErrConnectionLost naming machine and step", err)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	ctx := context.Background()
	name := filepath.Join(h.Root, "etc/freecloud/deployed.json")

	if _, ok, err := c.ReadFile(ctx, "read", name); ok || err != nil {
		t.Fatalf("ReadFile of a missing file: %v, %v", ok, err)
	}
	if err := c.WriteFile(ctx, "write", name, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, ok, err := c.ReadFile(ctx, "read", name)
	if err != nil || !ok || string(data) != "{}\n" {
		t.Fatalf("ReadFile: %q, %v, %v", data, ok, err)
	}
	if info, err := os.Stat(name); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("written file: %v, %v", info, err)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path-1.nix": "plain/path-1.nix",
		"":                 "''",
		"two words":        "'two words'",
		"it's":             `'it'\''s'`,
		"$HOME":            "'$HOME'",
	} {
		if got := sshx.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
