package secrets

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
)

// reinstalled seals a secret to an old host key and the recovery
// recipients, then rekeys it to a new host key with ids, and checks the
// new host (and not the old one) opens it.
func reinstalled(t *testing.T, recovery []string, ids []age.Identity) {
	t.Helper()
	oldHost, newHost := newEd25519(t, "root@old"), newEd25519(t, "root@new")
	ct := mustSeal(t, secret, oldHost.public, recovery...)

	if st, err := Status(ct, newHost.public, recovery); err != nil || st.HostKey || st.Current() {
		t.Fatalf("before rekey: Status = %+v, %v; want stale", st, err)
	}
	out, err := Rekey(ct, ids, newHost.public, recovery)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := Status(out, newHost.public, recovery); err != nil || !st.Current() {
		t.Fatalf("after rekey: Status = %+v, %v; want current", st, err)
	}
	got, err := Open(out, hostIdentity(t, newHost))
	if err != nil || string(got) != secret {
		t.Fatalf("new host: Open = %q, %v", got, err)
	}
	var noID *NoIdentityError
	if _, err := Open(out, hostIdentity(t, oldHost)); !errors.As(err, &noID) {
		t.Fatalf("old host: Open err = %v, want a NoIdentityError", err)
	}
}

func TestRekeyWithAgeIdentity(t *testing.T) {
	id := newAgeKey(t)
	path := writeTemp(t, "keys.txt", []byte("# created: today\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"))
	reinstalled(t, []string{id.Recipient().String()}, identities(t, path, nil))
}

func TestRekeyWithSSHIdentity(t *testing.T) {
	for name, operator := range map[string]sshKey{"ed25519": newEd25519(t, "alice@laptop"), "rsa": newRSA(t)} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, "id", operator.private)
			reinstalled(t, []string{operator.public, newAgeKey(t).Recipient().String()}, identities(t, path, nil))
		})
	}
}

func TestRekeyWithEncryptedSSHIdentity(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	operator := sshKeyOf(t, pub, priv, "alice@laptop", "correct horse")
	path := writeTemp(t, "id_ed25519", operator.private)
	asked := 0
	ids := identities(t, path, func() ([]byte, error) {
		asked++
		return []byte("correct horse"), nil
	})
	if asked != 0 {
		t.Fatal("the passphrase was asked while loading; it should be asked only when a file is sealed to the key")
	}

	// A file not sealed to the key does not ask.
	other := mustSeal(t, secret, newEd25519(t, "").public)
	var noID *NoIdentityError
	if _, err := Rekey(other, ids, newEd25519(t, "").public, nil); !errors.As(err, &noID) {
		t.Fatalf("Rekey of a file not sealed to the key: %v, want a NoIdentityError", err)
	}
	if asked != 0 {
		t.Fatal("the passphrase was asked for a file not sealed to the key")
	}

	reinstalled(t, []string{operator.public}, ids)
	if asked != 1 {
		t.Fatalf("passphrase asked %d times, want once", asked)
	}
}

func TestRekeyWrongPassphrase(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	operator := sshKeyOf(t, pub, priv, "", "correct horse")
	path := writeTemp(t, "id_ed25519", operator.private)
	ids := identities(t, path, func() ([]byte, error) { return []byte("wrong"), nil })
	ct := mustSeal(t, secret, newEd25519(t, "").public, operator.public)
	_, err := Rekey(ct, ids, newEd25519(t, "").public, []string{operator.public})
	if err == nil {
		t.Fatal("Rekey with a wrong passphrase succeeded")
	}
	for _, want := range []string{path, "passphrase"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestRekeyRefusesWithoutRecoveryIdentity(t *testing.T) {
	oldHost, newHost := newEd25519(t, "root@old"), newEd25519(t, "root@new")
	operator := newEd25519(t, "alice@laptop")
	ageKey := newAgeKey(t)
	recovery := []string{operator.public, ageKey.Recipient().String()}
	ct := mustSeal(t, secret, oldHost.public, recovery...)

	t.Run("none given", func(t *testing.T) {
		_, err := Rekey(ct, nil, newHost.public, recovery)
		var noID *NoIdentityError
		if !errors.As(err, &noID) {
			t.Fatalf("err = %v, want a NoIdentityError", err)
		}
		msg := err.Error()
		for _, want := range []string{
			"none was given",
			"--identity FILE",
			"age identity file",
			"SSH private key",
			"the recovery recipient ssh-ed25519",
			"alice@laptop",
			"an age X25519 key (anonymous",
			"neither the host key nor a recovery recipient",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("message does not say %q:\n%s", want, msg)
			}
		}
	})

	t.Run("one that does not fit", func(t *testing.T) {
		_, err := Rekey(ct, []age.Identity{newAgeKey(t)}, newHost.public, recovery)
		var noID *NoIdentityError
		if !errors.As(err, &noID) {
			t.Fatalf("err = %v, want a NoIdentityError", err)
		}
		if !strings.Contains(err.Error(), "the identity given cannot decrypt the secret") {
			t.Errorf("message: %s", err)
		}
		var ageErr *age.NoIdentityMatchError
		if !errors.As(err, &ageErr) {
			t.Error("the NoIdentityError does not wrap age's error")
		}
	})

	t.Run("the host's own key is named", func(t *testing.T) {
		ct := mustSeal(t, secret, newHost.public)
		_, err := Rekey(ct, nil, newHost.public, nil)
		if err == nil || !strings.Contains(err.Error(), "the machine's host key (ssh-ed25519 key (tag ") {
			t.Fatalf("err = %v, want it to name the host key", err)
		}
	})
}

func TestRekeyToRecoveryOnly(t *testing.T) {
	id := newAgeKey(t)
	ct := mustSeal(t, secret, newEd25519(t, "").public, id.Recipient().String())
	out, err := Rekey(ct, []age.Identity{id}, "", []string{id.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Status(out, "", []string{id.Recipient().String()})
	if err != nil || st.HostKey || !st.RecoveryComplete() || st.Unknown != 0 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
}
