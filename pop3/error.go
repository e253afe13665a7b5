package pop3

import (
	"errors"
	"fmt"
	"strings"
)

// Response codes defined by RFC 2449 and RFC 3206 that a program may act on.
// Codes are hierarchical: "SYS/TEMP" is a kind of "SYS".
const (
	CodeAuth       = "AUTH"        // credentials were rejected (RFC 3206)
	CodeInUse      = "IN-USE"      // credentials fine, maildrop locked by another session
	CodeLoginDelay = "LOGIN-DELAY" // signed in too recently (see Capabilities.LoginDelay)
	CodeSysTemp    = "SYS/TEMP"    // transient server problem: try again later (RFC 3206)
	CodeSysPerm    = "SYS/PERM"    // permanent server problem (RFC 3206)
	CodeUTF8       = "UTF8"        // the message needs UTF8 mode (RFC 6856)
)

// Error is a -ERR reply. The Client stays usable after one.
type Error struct {
	// Code is the response code without brackets, for example "IN-USE" or
	// "SYS/TEMP", upper-cased; empty when the reply carried none.
	Code string
	// Text is the server's human-readable text after the code. It is meant
	// for logs: servers put host names and internal details in it.
	Text string
}

var _ error = (*Error)(nil)

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pop3: server said -ERR")
	if e.Code != "" {
		b.WriteString(" [" + e.Code + "]")
	}
	if e.Text != "" {
		b.WriteString(" " + e.Text)
	}
	return b.String()
}

// HasCode reports whether e's code is code or a sub-code of it: with Code
// "SYS/TEMP", both HasCode("SYS/TEMP") and HasCode("SYS") are true. The
// comparison ignores case. A nil *Error has no code.
func (e *Error) HasCode(code string) bool {
	if e == nil || code == "" {
		return false
	}
	if strings.EqualFold(e.Code, code) {
		return true
	}
	return len(e.Code) > len(code) && e.Code[len(code)] == '/' && strings.EqualFold(e.Code[:len(code)], code)
}

// ProtocolError reports a reply that breaks the protocol: neither +OK nor
// -ERR, a malformed listing, data where none may be. The Client is broken
// after one.
type ProtocolError struct {
	Msg  string // what was wrong
	Line string // the offending line, possibly truncated; may be empty
}

var _ error = (*ProtocolError)(nil)

func (e *ProtocolError) Error() string {
	if e.Line == "" {
		return "pop3: protocol error: " + e.Msg
	}
	return "pop3: protocol error: " + e.Msg + ": " + quoteLine(e.Line)
}

// quoteLine shortens a server line for an error message, so a hostile server
// cannot flood logs through our errors.
func quoteLine(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

var (
	// ErrLineTooLong is returned when a reply line exceeds
	// Options.MaxLineLength. The Client is broken after it.
	ErrLineTooLong = errors.New("pop3: reply line too long")
	// ErrMessageTooLarge is returned by a RETR or TOP stream that exceeds
	// Options.MaxMessageSize, and (as ErrListTooLarge) by a listing over
	// its budget. The Client is broken after it.
	ErrMessageTooLarge = errors.New("pop3: reply too large")
	// ErrListTooLarge is returned (wrapped) by a CAPA, LIST or UIDL reply
	// over its lines or octets (Options.MaxListLines, MaxListSize,
	// MaxCapaLines, MaxCapaSize); the rest of the reply is left unread. It
	// matches ErrMessageTooLarge with errors.Is. The Client is broken
	// after it.
	ErrListTooLarge = fmt.Errorf("%w: listing over its budget", ErrMessageTooLarge)
	// ErrNotSupported is returned (wrapped) for a command the server does not
	// implement, such as UIDL on an old server.
	ErrNotSupported = errors.New("pop3: not supported by the server")
	// ErrNoSTLS is returned (wrapped) when TLS was required through STLS
	// and the server does not offer it or refuses it. It wraps
	// ErrNotSupported. Nothing is sent in plain text after it.
	ErrNoSTLS = fmt.Errorf("%w: STLS", ErrNotSupported)
	// ErrInsecure is returned instead of sending credentials over a
	// connection without TLS, unless Options.Security is SecurityNone.
	ErrInsecure = errors.New("pop3: refusing to send credentials without TLS")
	// ErrInvalidArgument is returned, before anything is sent, for an
	// argument that contains CR, LF or NUL, a message number below 1, or a
	// command line longer than the 255 octets RFC 2449 lets us count on.
	ErrInvalidArgument = errors.New("pop3: invalid argument")
	// ErrClosed is returned by every method after Quit or Close.
	ErrClosed = errors.New("pop3: client closed")
	// ErrStreamInvalid is returned by a RETR or TOP stream read after the
	// next command was started.
	ErrStreamInvalid = errors.New("pop3: message stream used after the next command")
)

// BrokenError wraps the error that left a Client's connection in an unknown
// state. Every method called after it returns the same *BrokenError; the
// connection is closed and the caller should dial a new one.
type BrokenError struct {
	Err error
}

func (e *BrokenError) Error() string { return "pop3: connection unusable: " + e.Err.Error() }

// Unwrap returns the original error.
func (e *BrokenError) Unwrap() error { return e.Err }
