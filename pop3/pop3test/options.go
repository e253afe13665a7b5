package pop3test

import (
	"strings"
	"time"
)

// Options configures a Server. A nil *Options and the zero value both mean a
// well-behaved modern server: CAPA with TOP, UIDL, RESP-CODES, PIPELINING,
// AUTH-RESP-CODE, STLS (plain listener only), USER and SASL PLAIN; an
// exclusive lock per mailbox; no idle timeout. Options is a plain value: the
// Server keeps its own copy, so changing a struct after passing it has no
// effect until it is passed again with Server.SetOptions.
type Options struct {
	// Greeting replaces the text after "+OK " in the greeting
	// ("POP3 test server ready." by default).
	Greeting string

	// APOP adds an RFC 1939 <pid.time@host> timestamp to the greeting and
	// enables the APOP command.
	APOP bool

	// NoCAPA makes CAPA an unknown command, as on servers that predate
	// RFC 2449 (vanilla qmail-pop3d).
	NoCAPA bool
	// NoUIDL removes UIDL from CAPA and makes it an unknown command.
	NoUIDL bool
	// NoTOP removes TOP from CAPA and makes it an unknown command.
	NoTOP bool
	// NoPipelining removes PIPELINING from CAPA. Commands sent ahead are
	// still answered in order, as by any stream-based server.
	NoPipelining bool
	// NoSTLS removes STLS from CAPA and makes it an unknown command.
	NoSTLS bool
	// NoUSER removes USER from CAPA and makes USER and PASS unknown commands.
	NoUSER bool
	// NoSASL removes SASL from CAPA and makes AUTH an unknown command.
	NoSASL bool
	// NoRespCodes removes RESP-CODES and AUTH-RESP-CODE from CAPA and strips
	// the "[CODE]" prefix from every -ERR reply.
	NoRespCodes bool
	// RequireTLS refuses USER, PASS, APOP and AUTH with -ERR [AUTH] until TLS
	// is active, and then hides USER and SASL from CAPA, like Dovecot with
	// disable_plaintext_auth on a non-local link.
	RequireTLS bool
	// NoLock lets several sessions open the same mailbox at once (Cyrus,
	// Courier, Dovecot's default). Each session then works on a snapshot;
	// RETR or TOP of a message another session expunged fails with
	// "-ERR Message n expunged.".
	NoLock bool
	// LosePipelinedAfterLogin discards input that was already received behind
	// a successful PASS, APOP or AUTH, like Courier, which advertises
	// PIPELINING but loses commands pipelined after PASS.
	LosePipelinedAfterLogin bool

	// LoginDelay, if positive, is advertised as "LOGIN-DELAY n" in CAPA (n in
	// whole seconds, rounded up) and enforced with its exact value: a login to
	// a mailbox sooner than LoginDelay after its previous successful login
	// fails with -ERR [LOGIN-DELAY].
	LoginDelay time.Duration
	// AnyUser accepts every user name with any password, as a server run
	// to attack its clients would: a name it has not seen gets an empty
	// mailbox of its own. With LoginDelay, every such sign-in is a session
	// whose client must keep its connection open, so that a stranger can
	// hold as many connections of a client as it lets them open.
	AnyUser bool
	// Expire, if not empty, is advertised as "EXPIRE <Expire>" in CAPA. With
	// "0" the server also removes, at QUIT, every message retrieved with RETR
	// in the session, as RFC 2449 §6.7 permits (Gmail behaves so).
	Expire string
	// Implementation, if not empty, is advertised as
	// "IMPLEMENTATION <Implementation>" in CAPA.
	Implementation string
	// ListHeaderText replaces the text after "+OK " on the first line of a
	// multi-line LIST reply ("n messages:" by default), e.g. Courier's
	// "POP3 clients that break here, they violate STD53.".
	ListHeaderText string

	// CAPAFlood, UIDLFlood and LISTFlood, when on, replace the reply to
	// CAPA, or to UIDL or LIST without an argument, with a hostile listing:
	// CAPA gets "X-FLOOD-n" tags, UIDL "n floodn" lines and LIST "n 1000"
	// lines for n from 1 to Lines, padded as the Flood says. The mailbox
	// is not touched: other commands still see its messages.
	CAPAFlood, UIDLFlood, LISTFlood Flood

	// BareLF ends every line the server sends, message content included, with
	// LF only instead of CRLF.
	BareLF bool
	// InjectAfterSTLS is written verbatim right after the "+OK" line that
	// answers STLS, in the same write and before the TLS handshake, to
	// reproduce the STARTTLS response-injection attack. Include the line
	// endings, e.g. "+OK injected\r\n".
	InjectAfterSTLS string

	// IdleTimeout, if positive, ends a connection on which no command arrived
	// for that long with "-ERR Disconnected for inactivity." (RFC 1939 §3;
	// Dovecot's wording). It also bounds how long a write to a client that
	// does not read may block.
	IdleTimeout time.Duration
	// MaxLineLength caps the length of a command line, CRLF included
	// (1024 if zero or negative). A longer line gets -ERR and the connection
	// is closed.
	MaxLineLength int
	// MaxBadCommands, if positive, closes a connection with
	// "-ERR Too many invalid bad commands." when that many unknown or
	// out-of-state commands were received on it, like Dovecot.
	MaxBadCommands int
	// MaxRecordedCommands bounds the log behind Server.Commands: zero keeps
	// every line, a positive value keeps only the most recent lines, a
	// negative value keeps none. Long-running servers (demo mode) should set
	// it.
	MaxRecordedCommands int
}

func (o *Options) maxLine() int {
	if o.MaxLineLength <= 0 {
		return 1024
	}
	return o.MaxLineLength
}

// FaultAction says what a Fault does when it fires. It is a plain value; it
// performs no I/O itself.
type FaultAction int

const (
	// FaultDrop closes the connection when the command arrives, before any
	// reply and before the command has any effect.
	FaultDrop FaultAction = iota + 1
	// FaultDropMidResponse executes the command (a QUIT commits its
	// deletions), sends the status line and about half of the multi-line
	// body, or half of the status line for a single-line reply, and then
	// closes the connection.
	FaultDropMidResponse
	// FaultStall does not answer. With Fault.Delay zero and no
	// Fault.Release the connection stays silent, reading and discarding
	// input, until the client or the server closes it; otherwise the command
	// is executed normally once Delay has passed or Release is closed,
	// whichever comes first.
	FaultStall
	// FaultGarbage sends Fault.Data ("HELLO THERE" if empty) as a line
	// instead of the reply, without executing the command. Data may also be a
	// well-formed reply such as "-ERR [SYS/PERM] Gone.".
	FaultGarbage
	// FaultTempError answers "-ERR [SYS/TEMP] " followed by Fault.Data
	// ("Temporary server failure." if empty) without executing the command.
	FaultTempError
)

// CommandConnect is a Fault.Command value that matches the moment a
// connection is accepted (after the handshake on the implicit-TLS listener),
// instead of a command: FaultDrop closes the connection without a greeting,
// FaultStall withholds the greeting, FaultGarbage replaces it, FaultTempError
// sends an -ERR [SYS/TEMP] greeting and closes, FaultDropMidResponse sends
// half of the greeting and closes.
const CommandConnect = "CONNECT"

// Fault describes one injected failure. Faults are passed by value to
// Server.AddFault or Server.SetFault, which may be called at any time, also
// while connections are being served; they are checked in the order they were
// added, across all connections of the server. The zero Fault has no Action
// and lets the matching command through unchanged.
type Fault struct {
	// Command is the command keyword the fault applies to, case-insensitive
	// ("RETR"), CommandConnect, or empty for any command. Continuation lines
	// of AUTH never match.
	Command string
	// After is the number of matching commands to let through before the
	// fault fires.
	After int
	// Times is how often the fault fires before it is used up: zero means
	// once, a negative value means for ever.
	Times int
	// Action is what happens when the fault fires.
	Action FaultAction
	// Data is the line sent by FaultGarbage or the text of FaultTempError.
	Data string
	// Delay is how long FaultStall holds the reply back; zero means until the
	// connection is closed, or until Release is closed if it is not nil.
	Delay time.Duration
	// Release, if not nil, ends a FaultStall when the test closes it, so
	// that a client can be held at a chosen command for exactly as long as
	// the test needs, with no Delay to guess.
	Release <-chan struct{}
}

// matches reports whether the fault applies to a command keyword, or to a new
// connection when connect is set (a client typing "CONNECT" must not trigger
// connection faults).
func (f *Fault) matches(keyword string, connect bool) bool {
	switch {
	case strings.EqualFold(f.Command, CommandConnect):
		return connect
	case connect:
		return false
	case f.Command == "":
		return true
	}
	return strings.EqualFold(f.Command, keyword)
}

// oneLine keeps caller-supplied text from splitting a reply into several
// protocol lines.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
