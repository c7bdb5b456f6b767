package sshx_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

func TestRunInput(t *testing.T) {
	t.Parallel()
	h := sshhost.Start(t)
	c := connect(t, h)
	ctx := context.Background()

	t.Run("a large stream arrives whole", func(t *testing.T) {
		// More than the session's window and the stdout cap together.
		data := make([]byte, 24<<20)
		rand.Read(data)
		name := filepath.Join(h.Root, "received")
		r, err := c.RunInput(ctx, "copy", "cat > "+sshx.Quote(name)+" && sha256sum "+sshx.Quote(name), bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := strings.Fields(string(r.Stdout)); len(got) == 0 || got[0] != hex.EncodeToString(sum[:]) {
			t.Errorf("the host hashed %q, want %x", r.Stdout, sum)
		}
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, data) {
			t.Errorf("the host received %d bytes (%v), want the %d sent", len(got), err, len(data))
		}
	})

	t.Run("a command that does not read ends it", func(t *testing.T) {
		// An endless input: the command's exit, not EOF, ends RunInput.
		start := time.Now()
		_, err := c.RunInput(ctx, "copy", "echo 'no space left' >&2; exit 3", endless{})
		var e *sshx.Error
		if !errors.As(err, &e) || !errors.Is(err, sshx.ErrExit) || e.ExitCode != 3 || e.Stderr != "no space left" {
			t.Fatalf("command exiting without reading: %v; want exit status 3 with its stderr", err)
		}
		if !strings.Contains(err.Error(), "web1: copy: command failed: exit status 3") {
			t.Errorf("error %q does not name machine and step", err)
		}
		if elapsed := time.Since(start); elapsed > 3*time.Second {
			t.Errorf("RunInput took %s after the command ended", elapsed)
		}

		// An input that blocks: the caller closes it afterwards.
		pr, pw := io.Pipe()
		defer pw.Close()
		if _, err := c.RunInput(ctx, "copy", "exit 0", pr); err != nil {
			t.Errorf("command ignoring a blocked input: %v", err)
		}
	})

	t.Run("a failing input is the error", func(t *testing.T) {
		broken := io.MultiReader(strings.NewReader("first half\n"), errReader{errors.New("disk read error")})
		_, err := c.RunInput(ctx, "copy", "cat > /dev/null; echo 'short input' >&2; exit 1", broken)
		if err == nil || !strings.Contains(err.Error(), "web1: copy: reading the input to send: disk read error") || !strings.Contains(err.Error(), "short input") {
			t.Fatalf("input failing halfway: %v; want the read error with the remote stderr", err)
		}
	})

	t.Run("bounded by the context", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.RunInput(ctx, "copy", "cat > /dev/null", pr)
		if !errors.Is(err, sshx.ErrTimeout) || time.Since(start) > 3*time.Second {
			t.Fatalf("waiting for input past the deadline: %v after %s; want ErrTimeout", err, time.Since(start))
		}
	})
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
