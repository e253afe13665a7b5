package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// pipelineWindow is how many commands may await replies at once. A bounded
// window keeps us reading while we write: a server blocked on writing
// replies we do not read would stop reading commands, and we would block on
// writing them (RFC 2449 section 6.6).
const pipelineWindow = 64

// TopMany sends TOP num lines for each of nums and calls fn with each reply
// in order: r is the stream (as Top returns), or err is the *Error the server
// answered for that message. r is valid only until fn returns; what fn
// leaves unread is discarded. If fn returns an error, TopMany stops calling
// it, reads the replies still in flight and returns that error.
//
// With PIPELINING the commands go out in batches without waiting for
// replies, so a page of 50 headers costs one round trip; otherwise they run
// one at a time. Without TOP it falls back to RETR, as Top does.
func (c *Client) TopMany(ctx context.Context, nums []int, lines int, fn func(num int, r io.Reader, err error) error) error {
	if lines < 0 {
		return fmt.Errorf("%w: TOP lines %d", ErrInvalidArgument, lines)
	}
	for _, n := range nums {
		if n < 1 {
			return fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
		}
	}
	// Until TOP is known to work, ask one message at a time: Top settles
	// support on the first one, and a server without TOP gets RETR instead
	// of a whole batch answered with -ERR.
	for len(nums) > 0 && c.top != supportYes {
		r, err := c.Top(ctx, nums[0], lines)
		var perr *Error
		if err != nil && !errors.As(err, &perr) {
			return err
		}
		if err := fn(nums[0], r, err); err != nil {
			return err
		}
		nums = nums[1:]
	}
	suffix := " " + strconv.Itoa(lines)
	return c.pipeline(ctx, len(nums), func(i int) string {
		return "TOP " + strconv.Itoa(nums[i]) + suffix
	}, func(i int, r io.Reader, err error) error {
		return fn(nums[i], r, err)
	}, true)
}

// DeleMany sends DELE for each of nums, pipelined when the server allows it,
// and returns one entry per number: nil, or the *Error the server answered
// (for example for a message already deleted). err reports a failure of the
// connection, after which the marks are unknown.
func (c *Client) DeleMany(ctx context.Context, nums []int) (results []error, err error) {
	for _, n := range nums {
		if n < 1 {
			return nil, fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
		}
	}
	results = make([]error, len(nums))
	err = c.pipeline(ctx, len(nums), func(i int) string {
		return "DELE " + strconv.Itoa(nums[i])
	}, func(i int, _ io.Reader, err error) error {
		results[i] = err
		return nil
	}, false)
	if err != nil {
		return nil, err
	}
	return results, nil
}

// pipeline runs count commands, keeping up to pipelineWindow in flight when
// the server supports PIPELINING and one otherwise. multiline says the +OK
// replies carry a dot-terminated body, handed to handle as a stream.
func (c *Client) pipeline(ctx context.Context, count int, command func(i int) string, handle func(i int, r io.Reader, err error) error, multiline bool) (err error) {
	if count == 0 {
		return nil
	}
	if c.state != stateTransaction {
		return fmt.Errorf("%w: batches need the TRANSACTION state", ErrInvalidArgument)
	}
	window := 1
	if c.Pipelining() {
		window = pipelineWindow
	}
	ex, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer ex.end(&err)
	var handleErr error
	sent := 0
	for i := 0; i < count; i++ {
		if inFlight := sent - i; inFlight <= window/2 && sent < count {
			for ; sent < count && sent-i < window; sent++ {
				line := command(sent)
				c.trace("C: ", line, "")
				c.noteVerb(line)
				c.w.WriteString(line)
				c.w.WriteString("\r\n")
			}
			if err := c.w.Flush(); err != nil {
				return err
			}
		}
		_, status := c.readStatus()
		var perr *Error
		if status != nil && !errors.As(status, &perr) {
			return status
		}
		var r *dotReader
		if status == nil && multiline {
			r = newDotReader(c, ex, false)
		}
		if handleErr == nil {
			if r != nil {
				handleErr = handle(i, r, nil)
			} else {
				handleErr = handle(i, nil, status)
			}
		}
		if r != nil && r.err == nil {
			if _, err := io.Copy(io.Discard, r); err != nil {
				return err
			}
		}
		if r != nil && r.err != io.EOF {
			return r.err
		}
		ex.extend()
	}
	return handleErr
}
