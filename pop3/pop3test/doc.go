// Package pop3test provides an in-process POP3 server for tests and for the
// demo mode of popgate.
//
// The server speaks POP3 as defined by RFC 1939 (USER/PASS, APOP, STAT, LIST,
// UIDL, TOP, RETR, DELE, RSET, NOOP, QUIT, exclusive maildrop lock, deferred
// deletion in the UPDATE state), the extension mechanism of RFC 2449 (CAPA,
// RESP-CODES, PIPELINING, LOGIN-DELAY, EXPIRE, IMPLEMENTATION) with the codes
// of RFC 3206 (AUTH-RESP-CODE, SYS/TEMP), STLS from RFC 2595 and AUTH PLAIN
// from RFC 5034 and RFC 4616. Besides the plain listener it can run an
// implicit-TLS listener (RFC 8314) with a self-signed certificate generated
// in-process.
//
// The zero Options describe a well-behaved modern server, close to Dovecot.
// Knobs in Options reproduce the quirks of real servers (no CAPA, no UIDL,
// LF-only lines, Courier's LIST header text, lost pipelined commands after
// login, ...), and Fault values inject failures such as dropped connections,
// stalls and garbage replies, so that clients can be tested against the
// behaviour they will meet in the field.
//
// The package uses only the standard library and shares no code with the
// POP3 client in popgate/pop3: a misunderstanding of the protocol written into
// shared code would otherwise pass every test on both sides.
package pop3test
