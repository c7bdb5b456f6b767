package secrets

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

// sshKey is a test SSH key pair in the forms the package sees: the public
// line as state records it and the OpenSSH private key file.
type sshKey struct {
	public  string
	private []byte
	signer  any
}

func newEd25519(t testing.TB, comment string) sshKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return sshKeyOf(t, pub, priv, comment, "")
}

// rsaKey is made once: 2048-bit generation is the slowest thing here.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newRSA(t testing.TB) sshKey {
	t.Helper()
	k := rsaKey()
	return sshKeyOf(t, &k.PublicKey, k, "rsa@test", "")
}

func sshKeyOf(t testing.TB, pub, priv any, comment, passphrase string) sshKey {
	t.Helper()
	spk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(spk)))
	if comment != "" {
		line += " " + comment
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, comment)
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, comment, []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return sshKey{public: line, private: pem.EncodeToMemory(block), signer: priv}
}

func newAgeKey(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// writeTemp writes data to a file in a fresh directory and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// identities loads an identity file the way the CLI does.
func identities(t testing.TB, path string, passphrase func() ([]byte, error)) []age.Identity {
	t.Helper()
	ids, err := LoadIdentities(path, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func mustSeal(t testing.TB, plaintext, hostKey string, recovery ...string) []byte {
	t.Helper()
	out, err := Seal([]byte(plaintext), hostKey, recovery)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
