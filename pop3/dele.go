package pop3

import (
	"context"
	"fmt"
	"strconv"
)

// Dele sends DELE n, which marks message n for deletion. Nothing is removed
// until Quit succeeds; a dropped connection removes nothing, and Rset
// unmarks everything.
func (c *Client) Dele(ctx context.Context, n int) error {
	if n < 1 {
		return fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
	}
	_, err := c.cmd(ctx, "DELE "+strconv.Itoa(n), "")
	return err
}

// Rset sends RSET, which unmarks every message marked for deletion in this
// session.
func (c *Client) Rset(ctx context.Context) error {
	_, err := c.cmd(ctx, "RSET", "")
	return err
}

// Noop sends NOOP: a cheap check that the connection is alive.
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.cmd(ctx, "NOOP", "")
	return err
}

// Quit sends QUIT and closes the connection. In the TRANSACTION state the
// server then removes the messages marked for deletion: a nil error means it
// said it did. A *Error means it reported that some were not removed; any
// other error means the outcome is unknown (the connection failed before the
// reply), and the caller should check with a new session. After Quit every
// method returns ErrClosed.
func (c *Client) Quit(ctx context.Context) error {
	_, err := c.cmd(ctx, "QUIT", "")
	c.Close()
	return err
}
