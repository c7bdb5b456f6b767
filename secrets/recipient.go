package secrets

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// accepted is what a recovery recipient may be, for error messages.
const accepted = "a recovery recipient is an age public key (age1…, from age-keygen) or an SSH public key line (ssh-ed25519 or ssh-rsa, as in ~/.ssh/id_ed25519.pub)"

// ParseRecipient reads a recovery recipient: an age X25519 public key
// (age1…) or an SSH public key line (ssh-ed25519 or ssh-rsa, a comment
// allowed). Post-quantum, tagged and plugin age recipients are refused:
// age will not mix a post-quantum recipient with the classic SSH host key,
// and plugins would run programs freecloud does not control.
func ParseRecipient(s string) (age.Recipient, error) {
	r, _, err := parseRecipient(s)
	return r, err
}

// recipientKey is a recovery recipient in the two forms freecloud works
// with: the age.Recipient to seal to, and what identifies its stanza in a
// header.
type recipientKey struct {
	recipient age.Recipient
	// sshType and tag identify an SSH recipient's stanza; empty for X25519.
	sshType, tag string
	// canonical is the key without comment or options, to spot duplicates.
	canonical string
}

func parseRecipient(s string) (age.Recipient, recipientKey, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, recipientKey{}, fmt.Errorf("empty recovery recipient: %s", accepted)
	case strings.HasPrefix(s, "AGE-SECRET-KEY-"), strings.HasPrefix(s, "AGE-PLUGIN-"):
		// Never echo it: it is a private key.
		return nil, recipientKey{}, fmt.Errorf("a recovery recipient is an age secret key, which must stay private: declare its public key instead (age-keygen -y FILE prints it); %s", accepted)
	case strings.Contains(s, "PRIVATE KEY"):
		return nil, recipientKey{}, fmt.Errorf("a recovery recipient is a private key, which must stay private: declare the public key (the .pub file) instead; %s", accepted)
	case strings.HasPrefix(s, "age1"):
		return parseAgeRecipient(s)
	}
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, recipientKey{}, fmt.Errorf("recovery recipient %q is neither an age public key nor an SSH public key: %s", short(s), accepted)
	}
	r, err := sshRecipient(pk)
	if err != nil {
		return nil, recipientKey{}, fmt.Errorf("recovery recipient %q %v; %s", short(s), err, accepted)
	}
	return r, recipientKey{recipient: r, sshType: pk.Type(), tag: sshTag(pk), canonical: canonicalSSH(pk)}, nil
}

func parseAgeRecipient(s string) (age.Recipient, recipientKey, error) {
	if hrp := s[:strings.LastIndex(s, "1")]; hrp != "age" {
		why := "it needs an age plugin, which freecloud does not run"
		if strings.HasPrefix(hrp, "age1pq") || strings.HasPrefix(hrp, "age1tagpq") {
			why = "age does not mix post-quantum recipients with the classic SSH host keys every secret is also sealed to"
		} else if strings.HasPrefix(hrp, "age1tag") {
			why = "tagged (hardware) recipients are not supported"
		}
		return nil, recipientKey{}, fmt.Errorf("recovery recipient %q cannot be used: %s; %s", short(s), why, accepted)
	}
	r, err := age.ParseX25519Recipient(s)
	if err != nil {
		return nil, recipientKey{}, fmt.Errorf("recovery recipient %q is not a valid age public key (%v); %s", short(s), err, accepted)
	}
	return r, recipientKey{recipient: r, canonical: r.String()}, nil
}

// HostRecipient reads a host's SSH public key as recorded in state
// (authorized_keys format). Only ssh-ed25519 and ssh-rsa keys can be age
// recipients.
func HostRecipient(hostKey string) (age.Recipient, error) {
	r, _, err := parseHostKey(hostKey)
	return r, err
}

func parseHostKey(hostKey string) (age.Recipient, recipientKey, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(hostKey)))
	if err != nil {
		return nil, recipientKey{}, fmt.Errorf("the host key recorded in state is not an SSH public key (%v); run freecloud apply to record it again", err)
	}
	r, err := sshRecipient(pk)
	if err != nil {
		return nil, recipientKey{}, fmt.Errorf("the host key recorded in state %v: give the machine an ssh-ed25519 host key (NixOS makes one by default) and run freecloud apply", err)
	}
	return r, recipientKey{recipient: r, sshType: pk.Type(), tag: sshTag(pk), canonical: canonicalSSH(pk)}, nil
}

// sshRecipient turns an SSH public key into an age recipient. Its errors
// are predicates ("is an … key, and …") for the caller to give a subject.
func sshRecipient(pk ssh.PublicKey) (age.Recipient, error) {
	var (
		r   age.Recipient
		err error
	)
	switch t := pk.Type(); t {
	case ssh.KeyAlgoED25519:
		r, err = agessh.NewEd25519Recipient(pk)
	case ssh.KeyAlgoRSA:
		r, err = agessh.NewRSARecipient(pk)
		if err != nil {
			return nil, fmt.Errorf("is an ssh-rsa key age cannot use (%v; age needs at least 2048 bits)", err)
		}
	default:
		return nil, fmt.Errorf("is an %s key, and age can only encrypt to ssh-ed25519 and ssh-rsa keys", t)
	}
	if err != nil {
		return nil, fmt.Errorf("is an %s key age cannot use (%v)", pk.Type(), err)
	}
	return r, nil
}

// sshTag is what an ssh-ed25519 or ssh-rsa stanza names its recipient by
// (age spec, "The ssh-ed25519 recipient type"): the first four bytes of
// the SHA-256 of the key's SSH wire encoding, unpadded standard base64.
func sshTag(pk ssh.PublicKey) string {
	sum := sha256.Sum256(pk.Marshal())
	return base64.RawStdEncoding.EncodeToString(sum[:4])
}

func canonicalSSH(pk ssh.PublicKey) string {
	return pk.Type() + " " + base64.StdEncoding.EncodeToString(pk.Marshal())
}

// short abbreviates a public key for a message: the type, the end of the
// key and the comment say which one is meant; an RSA key in full is 400
// characters of noise.
func short(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	fields := strings.Fields(s)
	if len(fields) >= 2 && len(fields[1]) > 16 {
		fields[1] = "…" + fields[1][len(fields[1])-12:]
		out := strings.Join(fields, " ")
		if len(out) <= 2*max {
			return out
		}
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
