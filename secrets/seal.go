package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// ErrNoRecipients is returned by Seal when there is nobody to seal to.
var ErrNoRecipients = errors.New("nothing to seal the secret to: the machine has no host key yet (freecloud records it at the first apply) and the deployment declares no recovery_recipients; add your age or SSH public key to recovery_recipients, or run freecloud apply first")

// Seal encrypts plaintext to the host key and every recovery recipient, in
// age's ASCII armor so that the operator can commit and diff the file.
// hostKey may be "" while the machine does not exist yet: the file is then
// sealed to the recovery recipients only, to be re-sealed with Rekey once
// the host key is known. Seal does not keep or clear plaintext; that is
// the caller's.
func Seal(plaintext []byte, hostKey string, recovery []string) ([]byte, error) {
	k, err := knownKeys(hostKey, recovery)
	if err != nil {
		return nil, err
	}
	if len(k.all) == 0 {
		return nil, ErrNoRecipients
	}
	var out bytes.Buffer
	a := armor.NewWriter(&out)
	w, err := age.Encrypt(a, k.all...)
	if err != nil {
		return nil, fmt.Errorf("sealing the secret: %v", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("sealing the secret: %v", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealing the secret: %v", err)
	}
	if err := a.Close(); err != nil {
		return nil, fmt.Errorf("sealing the secret: %v", err)
	}
	return out.Bytes(), nil
}

// Open decrypts a ciphertext (armored or binary) with the given
// identities. When none fits, the error is a *NoIdentityError. The caller
// should clear the plaintext when done with it.
func Open(ciphertext []byte, ids []age.Identity) ([]byte, error) {
	return open(ciphertext, ids, keys{})
}

// Rekey re-seals a ciphertext to the new host key and recovery recipients:
// it decrypts with ids, in memory only, and seals again. It is how a
// secret survives a machine's new host key (a reinstall, a move), and how
// a change of recovery recipients reaches existing files. When no identity
// fits, the error is a *NoIdentityError naming whom the file is sealed to.
func Rekey(ciphertext []byte, ids []age.Identity, hostKey string, recovery []string) ([]byte, error) {
	k, err := knownKeys(hostKey, recovery)
	if err != nil {
		return nil, err
	}
	plaintext, err := open(ciphertext, ids, k)
	if err != nil {
		return nil, err
	}
	defer clear(plaintext)
	return Seal(plaintext, hostKey, recovery)
}

// open decrypts, describing the file's recipients with known keys when no
// identity fits.
func open(ciphertext []byte, ids []age.Identity, known keys) ([]byte, error) {
	bin, err := binary(ciphertext)
	if err != nil {
		return nil, err
	}
	stanzas, err := parseBinaryHeader(bin)
	if err != nil {
		return nil, err
	}
	noIdentity := func(cause error) error {
		return &NoIdentityError{SealedTo: known.sealedTo(stanzas), Tried: len(ids), err: cause}
	}
	if len(ids) == 0 {
		return nil, noIdentity(nil)
	}
	r, err := age.Decrypt(bytes.NewReader(bin), ids...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, noIdentity(err)
		}
		if err.Error() == "bad header MAC" {
			return nil, errors.New("the ciphertext is damaged or was tampered with (its header MAC does not match); seal the secret again with freecloud secrets set")
		}
		return nil, fmt.Errorf("decrypting the secret: %w", err)
	}
	// The plaintext is shorter than the binary file, so one buffer of that
	// size holds it without the copies a growing buffer leaves behind.
	buf := make([]byte, len(bin))
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			clear(buf)
			return nil, fmt.Errorf("the ciphertext is damaged (%v); seal the secret again with freecloud secrets set", err)
		}
		if n == len(buf) {
			clear(buf)
			return nil, errors.New("the ciphertext decrypts to more than its own size, which age never produces")
		}
	}
	return buf[:n:n], nil
}
