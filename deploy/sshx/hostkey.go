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
	pinned ssh.PublicKey
	tofu   bool
}

// Pinned accepts only the given key, in authorized_keys format (as state
// records it; a trailing comment is ignored).
func Pinned(authorizedKey string) (HostKeyPolicy, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorizedKey))
	if err != nil {
		return HostKeyPolicy{}, fmt.Errorf("pinned host key %q is not an SSH public key: %v", abbreviate(authorizedKey), err)
	}
	return HostKeyPolicy{pinned: key}, nil
}

// TrustOnFirstUse accepts the key the machine presents and reports it
// (Conn.HostKey, Conn.TrustedOnFirstUse) for the caller to record and
// show as trusted on first use. For first contact with a machine only:
// afterwards, pin what was recorded.
func TrustOnFirstUse() HostKeyPolicy { return HostKeyPolicy{tofu: true} }

// algorithms makes the server present the pinned key's type: a host with
// several keys (ed25519 and rsa on NixOS) would otherwise show whichever
// comes first in the negotiation, and a correct host would be refused.
// On first use ed25519 is preferred, the key NixOS always generates.
func (p HostKeyPolicy) algorithms() []string {
	if p.pinned == nil {
		return []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	if p.pinned.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{p.pinned.Type()}
}

// A HostKeyError is a machine presenting another host key than the one
// pinned: it was reinstalled, replaced — or someone is in between.
type HostKeyError struct {
	Machine string
	Addr    string
	// Pinned and Presented are SHA256 fingerprints.
	Pinned, Presented string
}

func (e *HostKeyError) Error() string {
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
	if p.pinned == nil && !p.tofu {
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
	if key.Type() == v.policy.pinned.Type() && string(key.Marshal()) == string(v.policy.pinned.Marshal()) {
		return nil
	}
	v.err = &HostKeyError{
		Machine:   v.machine,
		Addr:      v.addr,
		Pinned:    ssh.FingerprintSHA256(v.policy.pinned),
		Presented: ssh.FingerprintSHA256(key),
	}
	return v.err
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
