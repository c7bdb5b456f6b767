package sshx_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authorize adds a new key to the host's authorized keys and returns its
// private half.
func authorize(t *testing.T, h *sshhost.Host) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := ssh.NewSignerFromKey(priv)
	f, err := os.OpenFile(filepath.Join(h.Root, "sshd", "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(ssh.MarshalAuthorizedKey(signer.PublicKey())); err != nil {
		t.Fatal(err)
	}
	return priv
}

func writeKey(t *testing.T, dir, name string, priv ed25519.PrivateKey, passphrase string) string {
	t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, name)
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, name, []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveAgent runs an ssh-agent holding keys on a unix socket.
func serveAgent(t *testing.T, keys ...ed25519.PrivateKey) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for _, k := range keys {
		if err := keyring.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go agent.ServeAgent(keyring, c)
		}
	}()
	return sock
}

func TestAuth(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	dir := t.TempDir()
	plain := writeKey(t, dir, "id_ed25519", authorize(t, h), "")
	protectedKey := authorize(t, h)
	protected := writeKey(t, dir, "id_ecdsa", protectedKey, "secret")
	missing := filepath.Join(dir, "id_rsa")
	login := func(auth *sshx.Auth) error {
		c, err := sshx.Connect(context.Background(), target(t, h, pinned(t, h.HostKey)), auth)
		if err == nil {
			c.Close()
		}
		return err
	}

	t.Run("key files", func(t *testing.T) {
		auth := sshx.NewAuth("", []string{plain, protected, missing})
		defer auth.Close()
		if len(auth.Notes) != 2 || !strings.Contains(auth.Notes[0], "id_ecdsa is passphrase-protected and not in ssh-agent") || !strings.Contains(auth.Notes[1], "id_rsa") {
			t.Errorf("notes %q; want the protected and the missing key", auth.Notes)
		}
		if err := login(auth); err != nil {
			t.Error(err)
		}
	})

	t.Run("protected key through the agent", func(t *testing.T) {
		auth := sshx.NewAuth(serveAgent(t, protectedKey), []string{protected})
		defer auth.Close()
		if len(auth.Notes) != 0 {
			t.Errorf("notes %q; the agent holds the protected key", auth.Notes)
		}
		if err := login(auth); err != nil {
			t.Error(err)
		}
	})

	t.Run("nothing usable", func(t *testing.T) {
		auth := sshx.NewAuth(filepath.Join(dir, "no-agent.sock"), []string{protected})
		defer auth.Close()
		err := login(auth)
		if err == nil || !strings.Contains(err.Error(), "no key to offer") || !strings.Contains(err.Error(), "passphrase-protected") {
			t.Errorf("login without a usable key: %v; want the reasons", err)
		}
	})
}
