package secrets

import (
	"fmt"

	"filippo.io/age"
)

// keys are a file's intended recipients, parsed once: the host key and
// the recovery recipients.
type keys struct {
	host *recipientKey
	// recovery are the distinct SSH recovery recipients, as written.
	recovery []namedKey
	// x25519 is the number of distinct age recovery recipients.
	x25519 int
	// all is every distinct recipient, host key first, to seal to.
	all []age.Recipient
}

type namedKey struct {
	text string
	key  recipientKey
}

// knownKeys parses hostKey ("" for none) and the recovery recipients.
// Duplicates are dropped so that a key listed twice gets one stanza and
// counts once.
func knownKeys(hostKey string, recovery []string) (keys, error) {
	var k keys
	sealed := map[string]bool{}
	if hostKey != "" {
		r, key, err := parseHostKey(hostKey)
		if err != nil {
			return keys{}, err
		}
		k.host = &key
		k.all = append(k.all, r)
		sealed[key.canonical] = true
	}
	listed := map[string]bool{}
	for _, text := range recovery {
		r, key, err := parseRecipient(text)
		if err != nil {
			return keys{}, err
		}
		if !sealed[key.canonical] {
			sealed[key.canonical] = true
			k.all = append(k.all, r)
		}
		if listed[key.canonical] {
			continue
		}
		listed[key.canonical] = true
		if key.sshType == "" {
			k.x25519++
		} else {
			k.recovery = append(k.recovery, namedKey{text: text, key: key})
		}
	}
	return k, nil
}

// describe says whom a stanza is for, as far as known keys tell; "" for
// an X25519 stanza, which is anonymous and counted by the caller.
func (k keys) describe(s stanza) string {
	if k.host != nil && k.host.matches(s) {
		return "the machine's host key (" + describeStanza(s) + ")"
	}
	for _, r := range k.recovery {
		if r.key.matches(s) {
			return "the recovery recipient " + short(r.text)
		}
	}
	switch {
	case isSSHStanza(s):
		return "an " + describeStanza(s) + " that is neither the host key nor a recovery recipient (an earlier host key?)"
	case s.Type == "X25519":
		return ""
	case s.Type == "scrypt":
		return "a passphrase (scrypt)"
	}
	return "a " + s.Type + " recipient (not written by freecloud)"
}

// sealedTo describes the recipients of a file: each SSH key, then the
// number of anonymous age keys.
func (k keys) sealedTo(stanzas []stanza) []string {
	var out []string
	x25519 := 0
	for _, s := range stanzas {
		if d := k.describe(s); d != "" {
			out = append(out, d)
		} else {
			x25519++
		}
	}
	switch {
	case x25519 == 1:
		out = append(out, "an age X25519 key (anonymous: the header does not say which)")
	case x25519 > 1:
		out = append(out, fmt.Sprintf("%d age X25519 keys (anonymous: the header does not say which)", x25519))
	}
	return out
}
