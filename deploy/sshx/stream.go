package sshx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// RunInput runs cmd like Run, with stdin streamed from r: for data too
// large to hold in memory (an installer image, a store closure). r is read
// until EOF, which closes the command's stdin, or until the command ends.
//
// A command that ends without reading everything fails or succeeds on its
// own terms, and RunInput returns without waiting for r: a Read in
// progress may still return afterwards, and the data is dropped. A caller
// that must know when r is no longer read closes it after RunInput
// returns (an *os.File or pipe unblocks its Read then).
//
// An error reading r (other than io.EOF) ends the command's input early
// and is what RunInput reports, wrapped, with the remote stderr: the
// command then saw a truncated stream, which is not its fault.
func (c *Conn) RunInput(ctx context.Context, step, cmd string, r io.Reader) (Result, error) {
	in := &inputReader{r: r}
	res, err := c.run(ctx, step, cmd, in)
	if rerr := in.failure(); rerr != nil {
		return res, &Error{Machine: c.Machine(), Step: step, Command: cmd, ExitCode: res.ExitCode,
			Stderr: tail(res.Stderr, StderrTailLines), Err: fmt.Errorf("reading the input to send: %w", rerr)}
	}
	return res, err
}

// inputReader remembers the first error of r that is not io.EOF.
type inputReader struct {
	r   io.Reader
	mu  sync.Mutex
	err error
}

func (in *inputReader) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		in.mu.Lock()
		if in.err == nil {
			in.err = err
		}
		in.mu.Unlock()
	}
	return n, err
}

func (in *inputReader) failure() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}
