package secrets

import (
	"fmt"
	"slices"
)

// StatusInfo says whom a ciphertext is sealed to, as far as its header
// tells without a private key. SSH stanzas name their key by a 32-bit tag,
// so they can be matched against the host key and the recovery recipients;
// X25519 stanzas are anonymous by design, so for age recovery recipients
// only their number can be compared.
type StatusInfo struct {
	// HostKey is whether the file is sealed to the host key given to
	// Status; false when that was "" (no host key known yet).
	HostKey bool
	// Recovery lists the SSH recovery recipients the file is sealed to,
	// and MissingRecovery those it is not, as given to Status.
	Recovery, MissingRecovery []string
	// X25519 is the number of X25519 stanzas in the file, WantX25519 the
	// number of distinct age recovery recipients given to Status.
	X25519, WantX25519 int
	// Unknown counts the stanzas for keys neither the host key nor a
	// recovery recipient: an earlier host key, a recipient since removed
	// from the deployment, or stanza types freecloud does not write.
	Unknown int
	// Stanzas describes every stanza, for messages: "ssh-ed25519 key (tag
	// Xn3q2A)", "X25519", ….
	Stanzas []string
}

// RecoveryComplete is whether every recovery recipient given to Status can
// decrypt the file. For age recovery keys that is judged by their number:
// replacing one age key with another is invisible in the header, and
// wants `freecloud secrets rekey --all`.
func (s StatusInfo) RecoveryComplete() bool {
	return len(s.MissingRecovery) == 0 && s.X25519 >= s.WantX25519
}

// Current is whether the file is sealed to exactly the host key and the
// recovery recipients: nothing to re-seal.
func (s StatusInfo) Current() bool {
	return s.HostKey && s.RecoveryComplete() && s.Unknown == 0
}

// Status inspects the header of a ciphertext (armored or binary) without
// decrypting it: whether it is sealed to hostKey ("" when the machine has
// none yet) and to the recovery recipients. A file that is not an age file
// or a key that cannot be parsed is an error; no input makes it panic.
func Status(ciphertext []byte, hostKey string, recovery []string) (StatusInfo, error) {
	stanzas, err := parseHeader(ciphertext)
	if err != nil {
		return StatusInfo{}, err
	}
	known, err := knownKeys(hostKey, recovery)
	if err != nil {
		return StatusInfo{}, err
	}
	var info StatusInfo
	found := make([]bool, len(known.recovery))
	for _, s := range stanzas {
		info.Stanzas = append(info.Stanzas, describeStanza(s))
		switch {
		case s.Type == "X25519":
			info.X25519++
		case isSSHStanza(s):
			matched := false
			if known.host != nil && known.host.matches(s) {
				info.HostKey, matched = true, true
			}
			for i, r := range known.recovery {
				if r.key.matches(s) {
					found[i], matched = true, true
				}
			}
			if !matched {
				info.Unknown++
			}
		default:
			info.Unknown++
		}
	}
	for i, r := range known.recovery {
		if found[i] {
			info.Recovery = append(info.Recovery, r.text)
		} else {
			info.MissingRecovery = append(info.MissingRecovery, r.text)
		}
	}
	info.WantX25519 = known.x25519
	if extra := info.X25519 - info.WantX25519; extra > 0 {
		info.Unknown += extra
	}
	return info, nil
}

func (k recipientKey) matches(s stanza) bool {
	return k.sshType != "" && s.Type == k.sshType && len(s.Args) > 0 && s.Args[0] == k.tag
}

func isSSHStanza(s stanza) bool {
	return (s.Type == "ssh-ed25519" || s.Type == "ssh-rsa") && len(s.Args) > 0
}

func describeStanza(s stanza) string {
	switch {
	case isSSHStanza(s):
		return fmt.Sprintf("%s key (tag %s)", s.Type, s.Args[0])
	case slices.Contains([]string{"X25519", "scrypt", "mlkem768x25519"}, s.Type):
		return s.Type
	}
	return s.Type + " (not written by freecloud)"
}
