package sshx

import (
	"context"
	"io"
)

// RunInput runs cmd like Run, with stdin streamed from r: for data too
// large to hold in memory (an installer image, a store closure). r is read
// until EOF or until the command ends.
func (c *Conn) RunInput(ctx context.Context, step, cmd string, r io.Reader) (Result, error) {
	return c.run(ctx, step, cmd, r)
}
