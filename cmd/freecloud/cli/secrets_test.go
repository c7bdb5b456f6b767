package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/freecloud/freecloud/generator"
	"github.com/freecloud/freecloud/secrets"
	"github.com/freecloud/freecloud/state"
	"golang.org/x/crypto/ssh"
)

// hostKeyPair is a host's ed25519 key: its authorized_keys line for state
// and the identity that opens what is sealed to it.
func hostKeyPair(t *testing.T) (string, age.Identity) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))), id
}

// A shared secret is made once, in memory, as the file its host reads
// (env, prefix), and sealed to each machine that holds it; a machine
// without a host key yet waits. (A service spans one machine until
// services with roles come, so each machine's value is its own here.)
func TestMakeShared(t *testing.T) {
	dir, profilesDir := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(profilesDir, "networking"), 0o755); err != nil {
		t.Fatal(err)
	}
	profile := `profile "cluster" {
  summary  = "a cluster member"
  category = "networking"
  module   = "services.cluster"
  secret "rpc" {
    generate = "hex"
    length   = 16
    shared   = true
    env      = "RPC_SECRET"
    before   = ["cluster.service"]
  }
  nixos = { "services.cluster" = { enable = true, rpcSecretFile = secret.rpc } }
}
`
	recovery, _ := age.GenerateX25519Identity()
	conf := `deployment "lab" {
  recovery_recipients = ["` + recovery.Recipient().String() + `"]
}
provider "baremetal" "office" {}
machine "a" {
  provider = provider.baremetal.office
  address  = "192.0.2.1"
  country  = "DE"
}
machine "b" {
  provider = provider.baremetal.office
  address  = "192.0.2.2"
  country  = "DE"
}
service "one" {
  profile = "cluster"
  machine = machine.a
}
service "two" {
  profile = "cluster"
  machine = machine.b
}
`
	for name, text := range map[string]string{
		filepath.Join(profilesDir, "networking", "cluster.hcl"): profile,
		filepath.Join(dir, "main.fc.hcl"):                       conf,
	} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keyA, idA := hostKeyPair(t)
	keyB, idB := hostKeyPair(t)
	st := state.New("lab")
	st.Hosts = []*state.Host{{Machine: "a", SSHHostKey: keyA}}
	g := &globals{dir: dir, profiles: profilesDir}
	c, err := g.secretsContext(io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.state = st
	tree := generator.Tree{}
	var out bytes.Buffer
	if err := c.makeShared(nil, tree, &out); err != nil {
		t.Fatal(err)
	}
	fileA := filepath.Join(dir, "secrets", "a", "one.rpc.age")
	data, err := os.ReadFile(fileA)
	if err != nil {
		t.Fatalf("no ciphertext for a: %v\n%s", err, out.String())
	}
	if !bytes.Equal(tree["secrets/a/one.rpc.age"], data) {
		t.Error("the tree does not carry the new ciphertext")
	}
	value, err := secrets.Open(data, []age.Identity{idA})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(value), "RPC_SECRET=") || len(value) != len("RPC_SECRET=")+32+1 {
		t.Errorf("the sealed file is %d bytes, not RPC_SECRET=<32 hex digits> and a newline", len(value))
	}
	// b has no host key yet: its secret waits.
	if _, err := os.Stat(filepath.Join(dir, "secrets", "b", "two.rpc.age")); err == nil {
		t.Error("sealed to a machine without a host key")
	}
	// Made once: a second run changes nothing.
	if err := c.makeShared(nil, tree, &out); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(fileA); !bytes.Equal(again, data) {
		t.Error("a second run made the secret anew")
	}
	// b gets its key: services one and two are two services, so b's value
	// is its own, made without any identity.
	st.Hosts = append(st.Hosts, &state.Host{Machine: "b", SSHHostKey: keyB})
	if err := c.makeShared(nil, tree, &out); err != nil {
		t.Fatal(err)
	}
	dataB, err := os.ReadFile(filepath.Join(dir, "secrets", "b", "two.rpc.age"))
	if err != nil {
		t.Fatal(err)
	}
	valueB, err := secrets.Open(dataB, []age.Identity{idB})
	if err != nil || bytes.Equal(valueB, value) {
		t.Errorf("b's own shared secret: %v (same value as a's: %v)", err, bytes.Equal(valueB, value))
	}
	// The recovery identity opens what was sealed.
	if _, err := secrets.Open(data, []age.Identity{recovery}); err != nil {
		t.Errorf("the recovery identity cannot open a's secret: %v", err)
	}
}
