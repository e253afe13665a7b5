package pop3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MessageInfo is one line of a LIST reply.
type MessageInfo struct {
	Number int   // message number, valid only within this connection
	Size   int64 // size in octets as the server reports it; advisory only
}

// MessageUID is one line of a UIDL reply.
type MessageUID struct {
	Number int    // message number, valid only within this connection
	UID    string // the server's unique id, stable across sessions (RFC 1939 section 7)
}

// Stat sends STAT and returns the number of messages not marked deleted
// and their total size in octets.
func (c *Client) Stat(ctx context.Context) (count int, size int64, err error) {
	text, err := c.cmd(ctx, "STAT", "")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(text)
	if len(f) < 2 {
		return 0, 0, c.fail(&ProtocolError{Msg: "malformed STAT reply", Line: text})
	}
	count, err1 := strconv.Atoi(f[0])
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || count < 0 || size < 0 {
		return 0, 0, c.fail(&ProtocolError{Msg: "malformed STAT reply", Line: text})
	}
	return count, size, nil
}

// List sends LIST and returns every message not marked deleted, in the
// server's order. Message numbers may have gaps where messages were deleted.
func (c *Client) List(ctx context.Context) ([]MessageInfo, error) {
	var out []MessageInfo
	err := c.listing(ctx, "LIST", c.opts.MaxListLines, c.opts.MaxListSize, func(line string) error {
		m, err := parseListLine(line)
		out = append(out, m)
		return err
	})
	return out, err
}

// ListOne sends LIST n and returns that message's size. A deleted or
// unknown message is a *Error.
func (c *Client) ListOne(ctx context.Context, n int) (MessageInfo, error) {
	if n < 1 {
		return MessageInfo{}, fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
	}
	text, err := c.cmd(ctx, "LIST "+strconv.Itoa(n), "")
	if err != nil {
		return MessageInfo{}, err
	}
	m, err := parseListLine(text)
	if err != nil {
		return MessageInfo{}, c.fail(err)
	}
	return m, nil
}

// Uidl sends UIDL and returns the unique id of every message not marked
// deleted. A server without UIDL yields an error wrapping ErrNotSupported;
// see UniqueIDs for the fallback.
func (c *Client) Uidl(ctx context.Context) ([]MessageUID, error) {
	if c.uidl == supportNo {
		return nil, fmt.Errorf("%w: UIDL", ErrNotSupported)
	}
	var out []MessageUID
	err := c.listing(ctx, "UIDL", c.opts.MaxListLines, c.opts.MaxListSize, func(line string) error {
		m, err := parseUidlLine(line)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, c.uidlError(err)
	}
	c.uidl = supportYes
	return out, nil
}

// UidlOne sends UIDL n and returns that message's unique id.
func (c *Client) UidlOne(ctx context.Context, n int) (MessageUID, error) {
	if n < 1 {
		return MessageUID{}, fmt.Errorf("%w: message number %d", ErrInvalidArgument, n)
	}
	if c.uidl == supportNo {
		return MessageUID{}, fmt.Errorf("%w: UIDL", ErrNotSupported)
	}
	text, err := c.cmd(ctx, "UIDL "+strconv.Itoa(n), "")
	if err != nil {
		return MessageUID{}, err
	}
	m, err := parseUidlLine(text)
	if err != nil {
		return MessageUID{}, c.fail(err)
	}
	return m, nil
}

// uidlError turns a plain -ERR to an argument-less UIDL, which cannot be
// about a message, into ErrNotSupported. A -ERR with a response code (say
// SYS/TEMP) is a real failure and is returned as it is.
func (c *Client) uidlError(err error) error {
	var perr *Error
	if !errors.As(err, &perr) || perr.Code != "" || c.uidl == supportYes {
		return err
	}
	c.uidl = supportNo
	return fmt.Errorf("%w: UIDL: %w", ErrNotSupported, err)
}

// SupportsUIDL reports whether UIDL is believed to work: false once the
// server refused it. This method doesn't perform I/O.
func (c *Client) SupportsUIDL() bool { return c.uidl != supportNo }

// UniqueIDs returns a stable id for every message not marked deleted. It uses
// UIDL; on a server without UIDL it derives each id from a SHA-256 of the
// message's header block (fetched with TopMany) and reports synthetic true.
// Synthetic ids are stable as long as the header is, and two messages with
// identical headers are told apart by their order ("…-2").
func (c *Client) UniqueIDs(ctx context.Context) (ids []MessageUID, synthetic bool, err error) {
	ids, err = c.Uidl(ctx)
	if !errors.Is(err, ErrNotSupported) {
		return ids, false, err
	}
	list, err := c.List(ctx)
	if err != nil {
		return nil, true, err
	}
	nums := make([]int, len(list))
	for i, m := range list {
		nums[i] = m.Number
	}
	seen := make(map[string]int, len(nums))
	ids = make([]MessageUID, 0, len(nums))
	err = c.TopMany(ctx, nums, 0, func(num int, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		uid := "h" + hex.EncodeToString(h.Sum(nil)[:16])
		seen[uid]++
		if k := seen[uid]; k > 1 {
			uid += "-" + strconv.Itoa(k)
		}
		ids = append(ids, MessageUID{Number: num, UID: uid})
		return nil
	})
	if err != nil {
		return nil, true, err
	}
	return ids, true, nil
}

// Capa sends CAPA (RFC 2449) and returns the capabilities, which the Client
// also keeps (see Capabilities). A server that predates CAPA answers -ERR:
// Capa returns that *Error and the Client carries on without.
func (c *Client) Capa(ctx context.Context) (Capabilities, error) {
	caps := Capabilities{}
	err := c.listing(ctx, "CAPA", c.opts.MaxCapaLines, c.opts.MaxCapaSize, func(line string) error {
		f := strings.Fields(line)
		if len(f) > 0 {
			caps[strings.ToUpper(f[0])] = f[1:]
		}
		return nil
	})
	var perr *Error
	if errors.As(err, &perr) {
		c.caps, c.capaFailed = nil, true
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	c.caps, c.capaFailed = caps, false
	if caps.Has("TOP") {
		c.top = supportYes
	}
	if caps.Has("UIDL") {
		c.uidl = supportYes
	}
	return caps, nil
}

// Capabilities returns the capabilities from the last successful CAPA, or
// nil if the server has none or CAPA was not sent. The Client re-reads them
// after StartTLS and after signing in, as RFC 2595 and RFC 2449 ask. This
// method doesn't perform I/O.
func (c *Client) Capabilities() Capabilities { return c.caps }

// Pipelining reports whether batches (TopMany, DeleMany) are pipelined:
// the server advertised PIPELINING and Options.DisablePipelining is not
// set. This method doesn't perform I/O.
func (c *Client) Pipelining() bool { return c.caps.Has("PIPELINING") && !c.opts.DisablePipelining }

// listing sends a command whose +OK reply is followed by dot-terminated
// lines, and calls fn with each line, un-stuffed and without its line ending.
// A reply of more than maxLines lines or maxSize octets fails with
// ErrListTooLarge as soon as it goes over, leaving the rest unread. A
// *ProtocolError from fn breaks the Client; the listing is read to its end
// in every other case.
func (c *Client) listing(ctx context.Context, line string, maxLines int, maxSize int64, fn func(line string) error) (err error) {
	ex, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer ex.end(&err)
	if err := c.writeLine(line, ""); err != nil {
		return err
	}
	if _, err := c.readStatus(); err != nil {
		return err
	}
	return c.readLines(ex, maxLines, maxSize, fn)
}

// readLines reads dot-terminated lines up to the terminator, within
// maxLines lines and maxSize octets.
func (c *Client) readLines(ex *exchange, maxLines int, maxSize int64, fn func(line string) error) error {
	var fnErr error
	var size int64
	for count := 0; ; count++ {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if line == "." {
			c.trace("S: ", line, "")
			return fnErr
		}
		if count >= maxLines {
			return fmt.Errorf("%w (%s over %d lines)", ErrListTooLarge, c.verb, maxLines)
		}
		if size += int64(len(line)) + 2; size > maxSize {
			return fmt.Errorf("%w (%s over %d octets)", ErrListTooLarge, c.verb, maxSize)
		}
		line = strings.TrimPrefix(line, ".")
		if count < 100 {
			c.trace("S: ", line, "")
		}
		if fnErr == nil {
			fnErr = fn(line)
		}
		if count%256 == 0 {
			ex.extend()
		}
	}
}

// parseListLine parses "n size" from LIST, allowing text after the size.
func parseListLine(line string) (MessageInfo, error) {
	f := strings.Fields(line)
	if len(f) >= 2 {
		n, err1 := strconv.Atoi(f[0])
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil && n >= 1 && size >= 0 {
			return MessageInfo{Number: n, Size: size}, nil
		}
	}
	return MessageInfo{}, &ProtocolError{Msg: "malformed LIST line", Line: line}
}

// maxUIDLength is generous: RFC 1939 allows 70 octets, but refusing a
// longer id would make the whole mailbox unreadable.
const maxUIDLength = 255

// parseUidlLine parses "n uid" from UIDL. The uid must be printable ASCII
// without spaces (0x21-0x7E), as RFC 1939 says.
func parseUidlLine(line string) (MessageUID, error) {
	f := strings.Fields(line)
	if len(f) >= 2 {
		n, err := strconv.Atoi(f[0])
		if err == nil && n >= 1 && validUID(f[1]) {
			return MessageUID{Number: n, UID: f[1]}, nil
		}
	}
	return MessageUID{}, &ProtocolError{Msg: "malformed UIDL line", Line: line}
}

func validUID(uid string) bool {
	if uid == "" || len(uid) > maxUIDLength {
		return false
	}
	for i := 0; i < len(uid); i++ {
		if uid[i] < 0x21 || uid[i] > 0x7e {
			return false
		}
	}
	return true
}
