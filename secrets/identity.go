package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// maxIdentityFile bounds what is read as an identity file; age's own limit
// for SSH keys is 16 KiB, and an age identity line is 74 bytes.
const maxIdentityFile = 1 << 20

// LoadIdentities reads an identity file: an age identity file (lines of
// AGE-SECRET-KEY-1…, comments and blank lines allowed, as age-keygen
// writes) or an OpenSSH private key (ed25519 or rsa). An encrypted SSH key
// asks passphrase only when a file is sealed to it, so that passing a key
// that does not fit costs the operator nothing; passphrase may be nil when
// there is no way to ask. Errors name the file and never quote it.
func LoadIdentities(path string, passphrase func() ([]byte, error)) ([]age.Identity, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading identity file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("identity file %s is a directory; pass an age identity file or an SSH private key", path)
	}
	if info.Size() > maxIdentityFile {
		return nil, fmt.Errorf("identity file %s is larger than %d KiB, too large for an age identity file or an SSH private key", path, maxIdentityFile>>10)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading identity file: %w", err)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("age-encryption.org/")), isArmored(trimmed):
		return nil, fmt.Errorf("identity file %s is itself encrypted with age, which freecloud does not unlock: decrypt it to a pipe, e.g. --identity <(age -d %s)", path, path)
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")):
		return loadSSHIdentity(path, data, passphrase)
	case bytes.HasPrefix(trimmed, []byte("ssh-")), bytes.HasPrefix(trimmed, []byte("ecdsa-")), bytes.HasPrefix(trimmed, []byte("sk-")), bytes.HasPrefix(trimmed, []byte("age1")):
		return nil, fmt.Errorf("identity file %s holds a public key; pass the private key instead (for SSH, the file without .pub)", path)
	}
	defer clear(data)
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("identity file %s: %v; it should hold AGE-SECRET-KEY-1… lines (age-keygen writes them) or be an OpenSSH private key (ed25519 or rsa)", path, err)
	}
	return ids, nil
}

func loadSSHIdentity(path string, data []byte, passphrase func() ([]byte, error)) ([]age.Identity, error) {
	id, err := agessh.ParseIdentity(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return loadEncryptedSSHIdentity(path, data, missing.PublicKey, passphrase)
	}
	defer clear(data)
	if err != nil {
		if strings.HasPrefix(err.Error(), "unsupported SSH identity type") || strings.Contains(err.Error(), "unsupported key type") {
			return nil, fmt.Errorf("identity file %s is an SSH key of a type age cannot use; only ssh-ed25519 and ssh-rsa keys can decrypt", path)
		}
		return nil, fmt.Errorf("identity file %s is not an OpenSSH private key age can use: %v", path, err)
	}
	return []age.Identity{id}, nil
}

// loadEncryptedSSHIdentity defers asking the passphrase until a stanza
// names the key. An old PEM-format key does not carry its public key; as
// age does, it is then read from the .pub file beside it.
func loadEncryptedSSHIdentity(path string, data []byte, pub ssh.PublicKey, passphrase func() ([]byte, error)) ([]age.Identity, error) {
	if pub == nil {
		pubData, err := os.ReadFile(path + ".pub")
		if err != nil {
			return nil, fmt.Errorf("identity file %s is an encrypted SSH key in the old PEM format, which does not say its public key, and %s.pub cannot be read (%v); put the public key there, or convert the key with ssh-keygen -p -f %s", path, path, err, path)
		}
		pub, _, _, _, err = ssh.ParseAuthorizedKey(pubData)
		if err != nil {
			return nil, fmt.Errorf("%s.pub is not an SSH public key: %v", path, err)
		}
	}
	if passphrase == nil {
		passphrase = func() ([]byte, error) {
			return nil, errors.New("there is no way to ask for it here")
		}
	}
	id, err := agessh.NewEncryptedSSHIdentity(pub, data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("identity file %s is an SSH key age cannot use: %v; only ssh-ed25519 and ssh-rsa keys can decrypt", path, err)
	}
	return []age.Identity{&namedIdentity{Identity: id, path: path}}, nil
}

// namedIdentity puts the file name into the errors an encrypted SSH key
// gives when it fits a stanza but cannot be unlocked (a wrong passphrase),
// which age passes on as they are.
type namedIdentity struct {
	age.Identity
	path string
}

func (n *namedIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	key, err := n.Identity.Unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, fmt.Errorf("the SSH key %s fits the secret but cannot be unlocked (%v); check its passphrase", n.path, err)
	}
	return key, err
}
