// Package readstate remembers which messages a user has opened, per
// account and across sign-ins: POP3 (RFC 1939) has no flags, so read and
// unread are kept by popgate.
//
// A Store holds, for each account, the set of unique ids (UIDL, or the ids
// popgate synthesizes on a server without UIDL) the user opened, and
// nothing else: no subjects, addresses or content. Accounts are keyed by
// an HMAC-SHA256 of the server address and user name under a random
// 32-byte key, so a copy of the database alone does not say whose mailbox
// an entry belongs to, nor on which server.
//
// Two implementations: Open keeps the marks in a bbolt file in a data
// directory, and NewMemory keeps them in memory for the life of the
// process (when no data directory is configured).
//
// Why bbolt (go.etcd.io/bbolt): it is pure Go, so the binary still builds
// with CGO_ENABLED=0 into a static image from scratch; it is one file with
// ACID transactions, so a crash never leaves half-written marks; it needs
// no server; and etcd maintains it and runs it in production at scale.
// The marks are a few kilobytes per user: an embedded key/value store is
// all they need.
//
// The HMAC key is random and kept next to the database in its own file
// (readstate.key, mode 0600) rather than derived from POPGATE_SESSION_KEY:
// the session key is optional (random per process when unset, which would
// forget every mark at each restart) and admins rotate it to sign everybody
// out, which must not mark everyone's mail unread again. A leaked or
// backed-up database file without the key file reveals neither user names
// nor servers.
package readstate
