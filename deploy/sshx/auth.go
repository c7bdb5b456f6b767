package sshx

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// DefaultKeyFiles are the private keys tried when no others are given,
// relative to the home directory, in ssh's order.
var DefaultKeyFiles = []string{".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa"}

// Auth is how freecloud proves who it is: the keys of the running
// ssh-agent and private key files. It holds no passphrase and asks for
// none; a protected key is used through the agent or not at all.
type Auth struct {
	signers []ssh.Signer
	agent   agent.ExtendedAgent
	closer  func() error
	// Notes say what was skipped and why (a passphrase-protected key the
	// agent does not hold, an unreadable key file), for the caller to show
	// when authentication fails or in verbose output.
	Notes []string
}

// DefaultAuth uses the agent at SSH_AUTH_SOCK, if any, and the default key
// files that exist in the home directory.
func DefaultAuth() *Auth {
	home, err := os.UserHomeDir()
	if err != nil {
		return NewAuth(os.Getenv("SSH_AUTH_SOCK"), nil)
	}
	var files []string
	for _, f := range DefaultKeyFiles {
		path := filepath.Join(home, f)
		if _, err := os.Stat(path); err == nil {
			files = append(files, path)
		}
	}
	return NewAuth(os.Getenv("SSH_AUTH_SOCK"), files)
}

// NewAuth uses the agent listening on agentSocket (none when empty) and the
// given private key files. A key file that cannot be used is skipped with a
// note, not an error: another key may well work. Close releases the agent
// connection.
func NewAuth(agentSocket string, keyFiles []string) *Auth {
	a := &Auth{closer: func() error { return nil }}
	agentKeys := map[string]bool{}
	if agentSocket != "" {
		conn, err := net.Dial("unix", agentSocket)
		if err != nil {
			a.Notes = append(a.Notes, fmt.Sprintf("ssh-agent at %s is not reachable (%v): not used", agentSocket, err))
		} else {
			a.agent = agent.NewClient(conn)
			a.closer = conn.Close
			if keys, err := a.agent.List(); err == nil {
				for _, k := range keys {
					agentKeys[string(k.Marshal())] = true
				}
			}
		}
	}
	for _, path := range keyFiles {
		signer, note := loadKey(path, agentKeys)
		if signer != nil {
			a.signers = append(a.signers, signer)
		}
		if note != "" {
			a.Notes = append(a.Notes, note)
		}
	}
	return a
}

// SignerAuth authenticates with keys the caller already holds.
func SignerAuth(signers ...ssh.Signer) *Auth {
	return &Auth{signers: signers, closer: func() error { return nil }}
}

// Close releases the agent connection.
func (a *Auth) Close() error { return a.closer() }

func loadKey(path string, agentKeys map[string]bool) (ssh.Signer, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Sprintf("%s: %v: skipped", path, err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	var protected *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &protected):
		if pub := protectedPublicKey(path, protected); pub != nil && agentKeys[string(pub.Marshal())] {
			return nil, "" // the agent offers it
		}
		return nil, fmt.Sprintf("%s is passphrase-protected and not in ssh-agent: skipped (add it with ssh-add)", path)
	case err != nil:
		return nil, fmt.Sprintf("%s: not a usable private key (%v): skipped", path, err)
	}
	return signer, ""
}

// protectedPublicKey is the public half of a passphrase-protected key:
// from the key file when its format carries it, else from <path>.pub.
func protectedPublicKey(path string, e *ssh.PassphraseMissingError) ssh.PublicKey {
	if e.PublicKey != nil {
		return e.PublicKey
	}
	data, err := os.ReadFile(path + ".pub")
	if err != nil {
		return nil
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil
	}
	return pub
}

// methods offers the agent's keys first, then the files' keys the agent
// does not hold, so that sshd's limit on attempts is not spent twice on
// one key.
func (a *Auth) methods() []ssh.AuthMethod {
	return []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		var all []ssh.Signer
		seen := map[string]bool{}
		if a.agent != nil {
			if signers, err := a.agent.Signers(); err == nil {
				all = append(all, signers...)
			}
		}
		all = append(all, a.signers...)
		unique := all[:0]
		for _, s := range all {
			k := string(s.PublicKey().Marshal())
			if !seen[k] {
				seen[k] = true
				unique = append(unique, s)
			}
		}
		return unique, nil
	})}
}

// authHint explains a refused login: which keys were offered and what was
// skipped.
func authHint(err error, a *Auth) error {
	if !strings.Contains(err.Error(), "unable to authenticate") {
		return err
	}
	hint := "no key was accepted: logging in needs the private key of one of the machine's admins, in ssh-agent or ~/.ssh"
	if a.agent == nil && len(a.signers) == 0 {
		hint = "no key to offer: start ssh-agent and add a key (ssh-add), or create ~/.ssh/id_ed25519"
	}
	if len(a.Notes) > 0 {
		hint += " (" + strings.Join(a.Notes, "; ") + ")"
	}
	return fmt.Errorf("%w; %s", err, hint)
}
