// Package sshx is freecloud's SSH transport: connect to a machine with its
// host key pinned, run commands bounded in time, and put files on it.
//
// It speaks SSH itself (golang.org/x/crypto/ssh) instead of running the
// system ssh binary, for three reasons:
//   - the operator's ~/.ssh/config, known_hosts and ssh version cannot change
//     what freecloud does: the same deployment connects the same way on every
//     laptop and in CI;
//   - host keys are pinned from freecloud's state, under its control, and a
//     mismatch is a typed error naming the machine and both fingerprints —
//     there is no way to switch checking off, so none can be left switched off;
//   - errors are values (connection lost, timeout, exit status, the remote
//     stderr tail) rather than text scraped from ssh's output, and tests run
//     it against a real sshd without touching the user's configuration.
//
// Nothing here prints: failures are *Error values naming the machine and
// the step.
package sshx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// DefaultConnectTimeout bounds the TCP dial and the SSH handshake of one hop.
const DefaultConnectTimeout = 15 * time.Second

// keepAliveInterval is how often an idle or busy connection is probed, so
// that a host that vanished (network change, reboot) is noticed while a long
// command runs instead of after the TCP timeout, minutes later.
const keepAliveInterval = 15 * time.Second

// A Target is a machine to connect to.
type Target struct {
	// Machine is freecloud's name for it; errors name it.
	Machine string
	Host    string
	// Port defaults to 22, User to root.
	Port int
	User string
	// HostKey says which host key to accept. Its zero value accepts none:
	// every connection either pins a key or trusts on first use, explicitly.
	HostKey HostKeyPolicy
	// JumpHost, when set, is connected to first and the connection to this
	// target is tunnelled through it. It is a host like any other and has
	// its own HostKey policy.
	JumpHost *Target
	// ConnectTimeout bounds the dial and handshake; DefaultConnectTimeout
	// when zero.
	ConnectTimeout time.Duration
}

func (t Target) addr() string {
	port := t.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(t.Host, strconv.Itoa(port))
}

func (t Target) user() string {
	if t.User == "" {
		return "root"
	}
	return t.User
}

func (t Target) name() string {
	if t.Machine == "" {
		return t.Host
	}
	return t.Machine
}

// A Conn is an open, host-key-verified SSH connection to a machine.
type Conn struct {
	target  Target
	auth    *Auth
	client  *ssh.Client
	hostKey ssh.PublicKey
	tofu    bool
	jump    *Conn
	done    chan struct{}
	close   sync.Once
}

// Connect opens a connection to t, through t.JumpHost when set. ctx and
// t.ConnectTimeout bound each hop's dial and handshake.
func Connect(ctx context.Context, t Target, auth *Auth) (*Conn, error) {
	var jump *Conn
	if t.JumpHost != nil {
		var err error
		if jump, err = Connect(ctx, *t.JumpHost, auth); err != nil {
			return nil, err
		}
	}
	c, err := dial(ctx, t, auth, jump)
	if err != nil {
		if jump != nil {
			jump.Close()
		}
		return nil, &Error{Machine: t.name(), Step: "connect", ExitCode: -1, Err: err}
	}
	go c.keepAlive()
	return c, nil
}

func dial(ctx context.Context, t Target, auth *Auth, jump *Conn) (*Conn, error) {
	if auth == nil {
		return nil, errors.New("no SSH authentication configured")
	}
	timeout := t.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	verify, err := t.HostKey.verifier(t.name(), t.addr())
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              t.user(),
		Auth:              auth.methods(),
		HostKeyCallback:   verify.check,
		HostKeyAlgorithms: t.HostKey.algorithms(),
	}

	var raw net.Conn
	if jump != nil {
		raw, err = jump.client.DialContext(ctx, "tcp", t.addr())
	} else {
		var d net.Dialer
		raw, err = d.DialContext(ctx, "tcp", t.addr())
	}
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", t.user(), t.addr(), timeoutOr(ctx, start, err))
	}
	// The handshake has no deadline of its own (and a tunnelled conn has
	// no SetDeadline): closing the conn when ctx ends is what bounds it.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(raw, t.addr(), cfg)
	if !stop() {
		if err == nil {
			sc.Close()
		}
		return nil, fmt.Errorf("%s@%s: %w", t.user(), t.addr(), timeoutOr(ctx, start, context.Cause(ctx)))
	}
	if err != nil {
		raw.Close()
		if verify.err != nil {
			return nil, verify.err
		}
		return nil, fmt.Errorf("%s@%s: %w", t.user(), t.addr(), authHint(err, auth))
	}
	return &Conn{
		target:  t,
		auth:    auth,
		client:  ssh.NewClient(sc, chans, reqs),
		hostKey: verify.seen,
		tofu:    verify.tofu,
		jump:    jump,
		done:    make(chan struct{}),
	}, nil
}

// timeoutOr reports a dial that ran out of time (its own or the caller's)
// as ErrTimeout, saying how long it waited.
func timeoutOr(ctx context.Context, start time.Time, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: no SSH connection within %s", ErrTimeout, time.Since(start).Round(10*time.Millisecond))
	}
	return err
}

// Machine is the name errors use for the connected machine.
func (c *Conn) Machine() string { return c.target.name() }

// HostKey is the host key the machine presented, in authorized_keys
// format: what state records.
func (c *Conn) HostKey() string { return authorizedKey(c.hostKey) }

// TrustedOnFirstUse reports that no key was pinned and HostKey was accepted
// because it was the first seen. Callers show this to the operator.
func (c *Conn) TrustedOnFirstUse() bool { return c.tofu }

// Jump is the connection to the jump host this one goes through; nil when
// it was made directly.
func (c *Conn) Jump() *Conn { return c.jump }

// Redial opens a new connection to the same machine, pinned to the host
// keys this connection saw (of the jump host too). A deploy uses it to
// prove that a fresh login still works after a switch.
func (c *Conn) Redial(ctx context.Context) (*Conn, error) {
	return Connect(ctx, c.pinnedTarget(), c.auth)
}

// RedialExpecting opens a new connection to the same machine (through the
// same jump host, pinned as it was seen) that accepts the host keys of
// policy instead: the machine's key changes when an install reboots it
// into the installed system.
func (c *Conn) RedialExpecting(ctx context.Context, policy HostKeyPolicy) (*Conn, error) {
	t := c.pinnedTarget()
	t.HostKey = policy
	return Connect(ctx, t, c.auth)
}

func (c *Conn) pinnedTarget() Target {
	t := c.target
	t.HostKey = HostKeyPolicy{pinned: []ssh.PublicKey{c.hostKey}}
	if c.jump != nil {
		j := c.jump.pinnedTarget()
		t.JumpHost = &j
	}
	return t
}

// Close closes the connection (and the jump host's).
func (c *Conn) Close() error {
	c.close.Do(func() { close(c.done) })
	err := c.client.Close()
	if c.jump != nil {
		c.jump.Close()
	}
	return err
}

// keepAlive closes the connection when the machine stops answering, so
// that running commands fail with ErrConnectionLost.
func (c *Conn) keepAlive() {
	tick := time.NewTicker(keepAliveInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case <-c.done:
			return
		case err := <-answered:
			if err != nil {
				c.client.Close()
				return
			}
		case <-time.After(keepAliveInterval):
			c.client.Close()
			return
		}
	}
}
