package sshx

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// A HostKeyPolicy says which host key a connection accepts. There are two,
// Pinned and TrustOnFirstUse; the zero value refuses to connect, and there
// is deliberately no policy that accepts any key.
type HostKeyPolicy struct {
	pinned []ssh.PublicKey
	tofu   bool
	// source says where pinned keys come from, for HostKeyError; ""
	// for state.
	source string
}

// From names where a pinned policy's keys come from ("the plan", "its
// provider's console"), so that a mismatch says what it was checked
// against; without it, keys are state's.
func (p HostKeyPolicy) From(source string) HostKeyPolicy {
	p.source = source
	return p
}

// Pinned accepts only the given keys, in authorized_keys format (as state
// records them; a trailing comment is ignored). Usually one: several only
// while a machine changes keys (an install generated its final key, which
// it presents once it has rebooted into the installed system).
func Pinned(authorizedKeys ...string) (HostKeyPolicy, error) {
	var p HostKeyPolicy
	for _, k := range authorizedKeys {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			return HostKeyPolicy{}, fmt.Errorf("pinned host key %q is not an SSH public key: %v", abbreviate(k), err)
		}
		p.pinned = append(p.pinned, key)
	}
	if len(p.pinned) == 0 {
		return HostKeyPolicy{}, errors.New("no host key to pin")
	}
	return p, nil
}

// TrustOnFirstUse accepts the key the machine presents and reports it
// (Conn.HostKey, Conn.TrustedOnFirstUse) for the caller to record and
// show as trusted on first use. For first contact with a machine only:
// afterwards, pin what was recorded.
func TrustOnFirstUse() HostKeyPolicy { return HostKeyPolicy{tofu: true} }

// algorithms makes the server present the pinned keys' types: a host with
// several keys (ed25519 and rsa on NixOS) would otherwise show whichever
// comes first in the negotiation, and a correct host would be refused.
// On first use ed25519 is preferred, the key NixOS always generates.
func (p HostKeyPolicy) algorithms() []string {
	if len(p.pinned) == 0 {
		return []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range p.pinned {
		algos := []string{k.Type()}
		if k.Type() == ssh.KeyAlgoRSA {
			algos = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
		for _, a := range algos {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// A HostKeyError is a machine presenting another host key than the one
// pinned: it was reinstalled, replaced — or someone is in between.
type HostKeyError struct {
	Machine string
	Addr    string
	// Pinned and Presented are SHA256 fingerprints.
	Pinned, Presented string
	// Source is where the pinned keys come from; "" for state.
	Source string
}

func (e *HostKeyError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("host key of machine %s (%s) is not the one %s shows: expected %s, but the host presented %s. "+
			"Another machine answers at that address, or someone is intercepting the connection; nothing was changed on it",
			e.Machine, e.Addr, e.Source, e.Pinned, e.Presented)
	}
	return fmt.Sprintf("host key of machine %s (%s) has changed: state pins %s, but the host presented %s. "+
		"Someone may be intercepting the connection; if the machine was reinstalled or replaced, remove its pinned key from state (host.%s) to trust the new one",
		e.Machine, e.Addr, e.Pinned, e.Presented, e.Machine)
}

// verifier checks the host key of one handshake and remembers what it saw;
// its err survives x/crypto's wrapping of the callback's error.
type verifier struct {
	policy  HostKeyPolicy
	machine string
	addr    string
	seen    ssh.PublicKey
	tofu    bool
	err     error
}

func (p HostKeyPolicy) verifier(machine, addr string) (*verifier, error) {
	if len(p.pinned) == 0 && !p.tofu {
		return nil, errors.New("no host key policy: pin the host key from state, or trust on first use explicitly")
	}
	return &verifier{policy: p, machine: machine, addr: addr}, nil
}

func (v *verifier) check(_ string, _ net.Addr, key ssh.PublicKey) error {
	v.seen = key
	if v.policy.tofu {
		v.tofu = true
		return nil
	}
	var pinned []string
	for _, k := range v.policy.pinned {
		if key.Type() == k.Type() && string(key.Marshal()) == string(k.Marshal()) {
			return nil
		}
		pinned = append(pinned, ssh.FingerprintSHA256(k))
	}
	v.err = &HostKeyError{
		Machine:   v.machine,
		Addr:      v.addr,
		Pinned:    strings.Join(pinned, " or "),
		Presented: ssh.FingerprintSHA256(key),
		Source:    v.policy.source,
	}
	return v.err
}

// Fingerprint is the SHA256 fingerprint of a key in authorized_keys
// format, as ssh-keygen -l and HostKeyError show it; the text itself when
// it is not a key.
func Fingerprint(authorizedKey string) string {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		return authorizedKey
	}
	return ssh.FingerprintSHA256(key)
}

func authorizedKey(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(key)), "\n")
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
