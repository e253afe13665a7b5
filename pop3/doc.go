// Package pop3 is a POP3 client (RFC 1939) for programs that read mail from
// real servers: CAPA and extended response codes (RFC 2449, RFC 3206),
// STLS (RFC 2595), AUTH PLAIN (RFC 5034, RFC 4616) and implicit TLS
// (RFC 8314).
//
// A Client is shaped like net/smtp: Dial or NewClient, then one method per
// POP3 command. It frames replies itself over bufio rather than with
// net/textproto, whose DotReader would turn CRLF into LF. Every exchange has
// a deadline and honours its context; an error after which the position in
// the protocol stream is unknown (I/O error, timeout, cancellation,
// malformed reply) marks the Client broken, and every later call returns
// that error. A -ERR reply is a *Error, which carries the RFC 2449 response
// code and leaves the Client usable.
//
// RETR and TOP hand back streams that un-stuff dot-stuffed lines and keep the
// message's bytes, CRLF included, exactly as the server sent them. A stream is
// valid until the next command, which first drains whatever is left of it.
//
// With CAPA PIPELINING, batches in the TRANSACTION state (TopMany, DeleMany)
// are sent without waiting for each reply; without it they run one command at
// a time. Servers that lack CAPA, UIDL or TOP keep working: see
// Client.Capabilities, Client.SupportsTop and Client.UniqueIDs.
package pop3
