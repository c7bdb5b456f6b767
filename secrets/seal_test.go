package secrets

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

const secret = "smtp-password-Hunter2"

func hostIdentity(t *testing.T, k sshKey) []age.Identity {
	t.Helper()
	id, err := agessh.ParseIdentity(k.private)
	if err != nil {
		t.Fatal(err)
	}
	return []age.Identity{id}
}

func TestRoundTripHostKeys(t *testing.T) {
	for name, host := range map[string]sshKey{
		"ed25519": newEd25519(t, "root@web1"),
		"rsa":     newRSA(t),
	} {
		t.Run(name, func(t *testing.T) {
			ct := mustSeal(t, secret, host.public)
			got, err := Open(ct, hostIdentity(t, host))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != secret {
				t.Fatalf("Open = %q, want %q", got, secret)
			}
		})
	}
}

func TestSealIsArmored(t *testing.T) {
	ct := mustSeal(t, secret, newEd25519(t, "").public, newAgeKey(t).Recipient().String())
	if !bytes.HasPrefix(ct, []byte(armor.Header+"\n")) || !bytes.HasSuffix(ct, []byte(armor.Footer+"\n")) {
		t.Fatalf("not armored:\n%s", ct)
	}
	for i, c := range ct {
		if c != '\n' && (c < 32 || c > 126) {
			t.Fatalf("byte %d of the ciphertext is %#x, not printable ASCII", i, c)
		}
	}
	if bytes.Contains(ct, []byte(secret)) {
		t.Fatal("the ciphertext contains the plaintext")
	}
}

func TestSealTwiceDiffers(t *testing.T) {
	host := newEd25519(t, "").public
	if bytes.Equal(mustSeal(t, secret, host), mustSeal(t, secret, host)) {
		t.Fatal("two seals of the same value are identical; age must use a fresh file key")
	}
}

func TestSealRecoveryRecipientsCanOpen(t *testing.T) {
	host := newEd25519(t, "root@web1")
	ageID := newAgeKey(t)
	operator := newEd25519(t, "alice@laptop")
	ct := mustSeal(t, secret, host.public, ageID.Recipient().String(), operator.public)
	for name, ids := range map[string][]age.Identity{
		"host":         hostIdentity(t, host),
		"age recovery": {ageID},
		"ssh recovery": hostIdentity(t, operator),
	} {
		got, err := Open(ct, ids)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != secret {
			t.Fatalf("%s: Open = %q", name, got)
		}
	}
}

func TestSealWithoutHostKey(t *testing.T) {
	ageID := newAgeKey(t)
	ct := mustSeal(t, secret, "", ageID.Recipient().String())
	got, err := Open(ct, []age.Identity{ageID})
	if err != nil || string(got) != secret {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestSealWithNobodyToSealTo(t *testing.T) {
	_, err := Seal([]byte(secret), "", nil)
	if !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("Seal with no host key and no recovery recipients: err = %v, want ErrNoRecipients", err)
	}
	for _, want := range []string{"no host key", "recovery_recipients"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSealDeduplicatesRecipients(t *testing.T) {
	host := newEd25519(t, "")
	ageKey := newAgeKey(t).Recipient().String()
	ct := mustSeal(t, secret, host.public, ageKey, ageKey, host.public+" again")
	st, err := Status(ct, host.public, []string{ageKey})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Stanzas) != 2 {
		t.Fatalf("stanzas = %q, want the host key and one age key", st.Stanzas)
	}
}

func TestSealRefusesBadKeys(t *testing.T) {
	ecdsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaPub, err := ssh.NewPublicKey(&ecdsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaLine := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ecdsaPub)))

	_, err = Seal([]byte(secret), ecdsaLine, []string{newAgeKey(t).Recipient().String()})
	if err == nil {
		t.Fatal("Seal to an ecdsa host key succeeded")
	}
	for _, want := range []string{"host key", "ecdsa-sha2-nistp256", "ssh-ed25519"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := HostRecipient(ecdsaLine); err == nil || !strings.Contains(err.Error(), "ecdsa-sha2-nistp256") {
		t.Errorf("HostRecipient(ecdsa) = %v, want an error naming the key type", err)
	}
	if _, err := HostRecipient("not a key"); err == nil {
		t.Error("HostRecipient(garbage) succeeded")
	}

	_, err = Seal([]byte(secret), newEd25519(t, "").public, []string{"age1notakey"})
	if err == nil || !strings.Contains(err.Error(), "age1notakey") {
		t.Fatalf("Seal with a bad recovery recipient: err = %v, want it named", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatal("the error quotes the plaintext")
	}
}

func TestOpenRefusesPlaintextWithoutQuotingIt(t *testing.T) {
	_, err := Open([]byte(secret+"\n"), []age.Identity{newAgeKey(t)})
	if err == nil {
		t.Fatal("Open of a plaintext succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the error quotes the input: %v", err)
	}
}

func TestOpenBinaryForm(t *testing.T) {
	id := newAgeKey(t)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(secret))
	w.Close()
	got, err := Open(buf.Bytes(), []age.Identity{id})
	if err != nil || string(got) != secret {
		t.Fatalf("Open(binary) = %q, %v", got, err)
	}
}

func TestOpenDamaged(t *testing.T) {
	id := newAgeKey(t)
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, id.Recipient())
	w.Write([]byte(secret))
	w.Close()
	ct := buf.Bytes()
	ct[len(ct)-1] ^= 1
	if _, err := Open(ct, []age.Identity{id}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open(damaged) = %v, want an error saying it is damaged", err)
	}
}
