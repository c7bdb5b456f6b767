package secrets

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

func TestLoadIdentitiesAgeFile(t *testing.T) {
	a, b := newAgeKey(t), newAgeKey(t)
	path := writeTemp(t, "keys.txt", []byte("# created: today\n"+a.String()+"\n\n# another\n"+b.String()+"\n"))
	ids := identities(t, path, nil)
	if len(ids) != 2 {
		t.Fatalf("%d identities, want 2", len(ids))
	}
	ct := mustSeal(t, secret, "", b.Recipient().String())
	if got, err := Open(ct, ids); err != nil || string(got) != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestLoadIdentitiesErrors(t *testing.T) {
	ecdsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaSSH := sshKeyOf(t, &ecdsaKey.PublicKey, ecdsaKey, "", "")
	ed := newEd25519(t, "")
	tests := map[string]struct {
		data []byte
		want string
	}{
		"garbage":         {[]byte(secret + "\n"), "AGE-SECRET-KEY-1"},
		"empty":           {nil, "AGE-SECRET-KEY-1"},
		"ssh public key":  {[]byte(ed.public + "\n"), "public key"},
		"age public key":  {[]byte(newAgeKey(t).Recipient().String() + "\n"), "public key"},
		"ecdsa ssh key":   {ecdsaSSH.private, "ssh-ed25519 and ssh-rsa"},
		"broken ssh key":  {[]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"), "not an OpenSSH private key"},
		"age ciphertext":  {mustSeal(t, secret, ed.public), "encrypted with age"},
		"plugin identity": {[]byte("AGE-PLUGIN-YUBIKEY-1QQQ\n"), "AGE-SECRET-KEY-1"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, "identity", tt.data)
			_, err := LoadIdentities(path, nil)
			if err == nil {
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name the file or say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the file: %v", err)
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := LoadIdentities(missing, nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadIdentitiesEncryptedWithoutPrompt(t *testing.T) {
	k := rsaKey()
	operator := sshKeyOf(t, &k.PublicKey, k, "", "pass")
	ids := identities(t, writeTemp(t, "id_rsa", operator.private), nil)
	ct := mustSeal(t, secret, "", operator.public)
	_, err := Open(ct, ids)
	if err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("Open with an encrypted key and no way to ask: %v", err)
	}
	var _ age.Identity = ids[0]
}
