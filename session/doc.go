// Package session keeps popgate's sign-in sessions and the one POP3
// connection each of them owns.
//
// A Manager holds the sessions in memory. The browser's cookie carries only
// a random session id and the key that unseals the user's password, which
// the Manager keeps sealed with AES-GCM: neither the server-side state nor a
// stolen cookie alone reveals the password. A restart therefore signs
// everybody out.
//
// POP3 (RFC 1939) shapes the rest. Message numbers are valid only within one
// connection, so the package speaks in UIDs and maps them to the current
// connection's numbers. DELE only marks a message and QUIT commits the marks,
// so deletions the user asked for are kept as pending in the session, not in
// the connection: when the connection is lost, the next request reconnects
// and marks them again, and sign-out, idle expiry and shutdown commit them
// with QUIT. A connection left idle is closed without QUIT, which releases
// the server's mailbox lock and commits nothing, unless the session has
// pending deletions or the server enforces LOGIN-DELAY: then it is kept
// alive with NOOP, because without the cookie's key the Manager could not
// sign in again to commit them.
//
// Open connections are counted against caps (slots.go): in all
// (Config.MaxConns), per browser network (ClientNetwork), per mail server,
// and for the servers users named together, so that no one party can take
// every connection. Reaching a cap closes the least recently used idle
// connection whose closing makes room and whose session can spare it.
//
// Each session also keeps a header index: a compact, decoded entry per UID
// (From, To and Cc, Subject, Date), filled newest first by a background
// goroutine with pipelined TOP n 0 in the pauses between the user's
// requests, and by the inbox's own pages. The inbox reads its rows from it
// (Envelopes) and Search scans it without waiting for the connection; see
// index.go and indexer.go for how the connection is shared and what the
// index costs.
//
// An entry is 24 bytes of offsets into an arena of text where each sender
// and each set of recipients is stored once: some 55 resident bytes a
// message for a real mailbox, under 100 when every sender differs. All
// sessions' indexes share one budget, Config.IndexMemory. When they would
// exceed it, the indexes of the least recently active sessions are set
// aside whole and their memory let go (budget.go); the session keeps its
// snapshot, connection and pending deletions, which never live in the
// index. Its next inbox page or search rebuilds the index in the
// background, and Search says so (SearchResult.Rebuilding) until it is
// complete. Config.MemoryFreed hears when an index let go of its memory or
// was completed, so that the binary can hand freed memory back to the
// system.
//
// Errors speak for themselves through KindOf: whether the session ended,
// the password was wrong, the mailbox is busy, the server is down and so
// on, read from POP3's replies and response codes here, so that the web
// layer only chooses the words. ParseUpstream reads the server URLs of the
// configuration and of the sign-in form, and Probe is the readiness check.
//
// Every method of Manager and Session is safe for concurrent use. Requests
// of one session take turns on its connection, so two browser tabs never
// interleave commands.
package session
