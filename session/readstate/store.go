package readstate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// Account names a mailbox: the server's address (host:port) and the user
// name. It is a plain value; the store keeps only its keyed hash.
type Account struct {
	Server, User string
}

// Store remembers the messages opened per account. Implementations are
// safe for concurrent use.
type Store interface {
	// Read returns the UIDs of account marked read, as a set; an account
	// never seen has none.
	Read(a Account) (map[string]bool, error)
	// MarkRead marks uids of account read.
	MarkRead(a Account, uids ...string) error
	// MarkUnread removes the marks of uids; unknown ones are ignored.
	MarkUnread(a Account, uids ...string) error
	// Prune forgets every mark of account whose UID is not in keep: the
	// messages no longer on the server.
	Prune(a Account, keep []string) error
	// Close releases the store; it must not be used afterwards.
	Close() error
}

// keySize is the length of the HMAC key.
const keySize = 32

// newKey returns a random HMAC key.
func newKey() []byte {
	k := make([]byte, keySize)
	rand.Read(k)
	return k
}

// accountID is the HMAC-SHA256 of the account under key. The host is
// lower-cased (DNS names ignore case); user names are kept as they are,
// since some servers tell them apart by case.
func accountID(key []byte, a Account) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("popgate readstate v1\x00"))
	m.Write([]byte(strings.ToLower(a.Server)))
	m.Write([]byte{0})
	m.Write([]byte(a.User))
	return m.Sum(nil)
}
