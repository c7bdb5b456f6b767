package sshx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// What went wrong with a step; an *Error wraps one of them (or a
// *HostKeyError, or a dial error).
var (
	ErrTimeout        = errors.New("timed out")
	ErrCanceled       = errors.New("canceled")
	ErrConnectionLost = errors.New("connection lost")
	ErrExit           = errors.New("command failed")
)

// StderrTailLines is how many of the last lines of a failed command's
// stderr its error carries: enough for a Nix evaluation error, not a
// whole build log.
const StderrTailLines = 20

// An Error is a step that failed on a machine.
type Error struct {
	Machine string
	// Step is what freecloud was doing ("connect", "upload", "switch"…).
	Step string
	// Command is the remote command line; empty for connect.
	Command string
	// ExitCode is the remote exit status, -1 when the command did not end
	// by exiting (timeout, lost connection).
	ExitCode int
	// Stderr is the last StderrTailLines lines of the remote stderr.
	Stderr string
	Err    error
}

func (e *Error) Error() string { return e.Machine + ": " + e.Step + ": " + e.Detail() }

// Detail is the message without the machine and step, for callers that
// name those themselves.
func (e *Error) Detail() string {
	var b strings.Builder
	fmt.Fprint(&b, e.Err)
	if e.Stderr != "" {
		b.WriteString("; remote stderr:")
		for _, line := range strings.Split(e.Stderr, "\n") {
			b.WriteString("\n    " + line)
		}
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// A Result is what a finished command printed and how it exited.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Output limits: a command's stdout is data freecloud parses (hash lists,
// paths), its stderr a log of which the end matters.
const (
	maxStdout = 16 << 20
	maxStderr = 1 << 20
)

// Run runs cmd through the remote user's shell. ctx bounds it: when ctx
// ends, the remote process is killed and Run returns ErrTimeout (deadline)
// or ErrCanceled, once the process is gone or after a few seconds' grace.
// A non-zero exit is an *Error wrapping ErrExit; the Result is returned in
// every case, as far as it got.
func (c *Conn) Run(ctx context.Context, step, cmd string) (Result, error) {
	return c.run(ctx, step, cmd, nil)
}

func (c *Conn) run(ctx context.Context, step, cmd string, stdin io.Reader) (Result, error) {
	start := time.Now()
	stdout := &capped{max: maxStdout}
	stderr := &capped{max: maxStderr, keepTail: true}
	result := func() Result {
		return Result{Stdout: stdout.bytes(), Stderr: stderr.bytes(), ExitCode: -1}
	}
	fail := func(r Result, err error) (Result, error) {
		return r, &Error{Machine: c.Machine(), Step: step, Command: cmd, ExitCode: r.ExitCode, Stderr: tail(r.Stderr, StderrTailLines), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(result(), ctxError(err, time.Since(start)))
	}

	sess, err := c.client.NewSession()
	if err != nil {
		return fail(result(), fmt.Errorf("%w: %v", ErrConnectionLost, err))
	}
	defer sess.Close()
	sess.Stdout, sess.Stderr, sess.Stdin = stdout, stderr, stdin
	if err := sess.Start(remoteBounded(ctx, cmd)); err != nil {
		return fail(result(), fmt.Errorf("%w: %v", ErrConnectionLost, err))
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	select {
	case err := <-done:
		r := result()
		var exit *ssh.ExitError
		switch {
		case err == nil:
			r.ExitCode = 0
			return r, nil
		case errors.As(err, &exit) && exit.Signal() == "":
			r.ExitCode = exit.ExitStatus()
			return fail(r, fmt.Errorf("%w: exit status %d", ErrExit, r.ExitCode))
		case errors.As(err, &exit):
			return fail(r, fmt.Errorf("%w: killed by signal %s", ErrExit, exit.Signal()))
		default:
			return fail(r, fmt.Errorf("%w: %v", ErrConnectionLost, err))
		}
	case <-ctx.Done():
		// Ask sshd to kill the process; where it cannot (OpenSSH refuses
		// signals in some configurations), remoteBounded's timeout does.
		// Wait for it to be gone: what the caller does next (a rollback
		// after a switch that timed out) must not race with it.
		elapsed := time.Since(start)
		sess.Signal(ssh.SIGKILL)
		select {
		case <-done:
		case <-time.After(killGrace):
		}
		sess.Close()
		return fail(result(), ctxError(ctx.Err(), elapsed))
	}
}

// killGrace is how long Run waits, after its deadline, for the remote
// command to be gone: remoteBounded's TERM one second after the deadline,
// its KILL five seconds later, and a margin.
const killGrace = 7 * time.Second

// remoteBounded makes a command with a deadline end on the host too:
// closing the session does not stop a process that is not writing, and
// sshd does not always honour signal requests. coreutils' timeout stops
// the command's whole process group a second after the local deadline (so
// that locally the deadline is what is reported), and kills it five
// seconds later if it is still there.
func remoteBounded(ctx context.Context, cmd string) string {
	deadline, ok := ctx.Deadline()
	if !ok {
		return cmd
	}
	secs := int(math.Ceil(time.Until(deadline).Seconds())) + 1
	return fmt.Sprintf("timeout -k 5 %d sh -c %s", max(secs, 1), Quote(cmd))
}

func ctxError(err error, after time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w after %s", ErrTimeout, after.Round(time.Millisecond))
	}
	return ErrCanceled
}

// tail is the last n lines of out, without a final newline.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// capped is an output buffer that keeps at most max bytes: the first ones,
// or with keepTail the last ones. It is safe to read while the session's
// copying goroutines still write to it.
type capped struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	max      int
	keepTail bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	if !c.keepTail {
		if room := c.max - c.buf.Len(); room < len(p) {
			p = p[:max(room, 0)]
		}
		c.buf.Write(p)
		return n, nil
	}
	c.buf.Write(p)
	if over := c.buf.Len() - c.max; over > 0 {
		c.buf.Next(over)
	}
	return n, nil
}

func (c *capped) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}
