package pop3test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
)

// message is immutable once stored, except for expunged, which is guarded by
// Server.mu; sessions therefore read data without locking.
type message struct {
	data     []byte
	uid      string
	expunged bool
}

type mailbox struct {
	pass     string
	msgs     []*message
	validity uint32
	nextUID  uint32
	// owner holds the exclusive lock of RFC 1939 §4; nil when unlocked.
	owner     *session
	lastLogin time.Time
}

func (b *mailbox) add(raw [][]byte) {
	for _, r := range raw {
		b.nextUID++
		// Dovecot's "%08Xu%08Xv" layout: 16 characters in 0x21-0x7E, unique
		// within the server, stable for as long as the mailbox is not
		// replaced (a replaced mailbox gets a new validity, so its messages
		// look new to clients, as after a UIDVALIDITY reset).
		b.msgs = append(b.msgs, &message{
			data: normalize(r),
			uid:  fmt.Sprintf("%08x%08x", b.nextUID, b.validity),
		})
	}
}

// normalize stores a message the way a Maildir server would: without an mbox
// "From " separator line and with CRLF line endings. A missing final newline
// is kept missing so that LIST sizes differ from RETR output the way they do
// on Dovecot.
func normalize(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		} else {
			raw = nil
		}
	}
	out := make([]byte, 0, len(raw)+bytes.Count(raw, []byte("\n")))
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// AddMailbox creates the mailbox of user, or replaces its password and
// messages, with msgs in order (message 1 first). An mbox "From " first line
// is dropped and bare LF line endings become CRLF; the bytes are copied.
// Sessions already logged in keep their snapshot, but RETR and TOP of the
// replaced messages then fail as expunged; the lock and LOGIN-DELAY state of
// the mailbox are kept. AddMailbox is safe for concurrent use and performs no
// I/O.
func (s *Server) AddMailbox(user, pass string, msgs ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	if b == nil {
		b = &mailbox{}
		s.boxes[user] = b
	}
	for _, m := range b.msgs {
		m.expunged = true
	}
	s.validity++
	b.pass = pass
	b.msgs = nil
	b.validity = s.validity
	b.nextUID = 0
	b.add(msgs)
}

// AddMailboxFiles is AddMailbox with the messages read from files (.eml or
// single-message mbox files), in the order given. It reads every file before
// changing anything, so on error the mailbox is left as it was. It is safe for
// concurrent use.
func (s *Server) AddMailboxFiles(user, pass string, paths ...string) error {
	msgs := make([][]byte, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("pop3test: %w", err)
		}
		msgs = append(msgs, b)
	}
	s.AddMailbox(user, pass, msgs...)
	return nil
}

// Deliver appends msgs to the existing mailbox of user, normalised like
// AddMailbox, as if new mail had arrived. Sessions already logged in do not
// see them until they log in again (RFC 1939 snapshot semantics). Deliver
// returns an error if user has no mailbox. It is safe for concurrent use and
// performs no I/O.
func (s *Server) Deliver(user string, msgs ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	if b == nil {
		return fmt.Errorf("pop3test: no mailbox %q", user)
	}
	b.add(msgs)
	return nil
}

// Mailbox returns copies of the messages currently stored for user, as
// normalised by AddMailbox and after the deletions committed by QUIT; it
// returns nil if user has no mailbox. Deletions merely marked in a running
// session are not reflected. Mailbox is safe for concurrent use and performs
// no I/O.
func (s *Server) Mailbox(user string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	if b == nil {
		return nil
	}
	out := make([][]byte, len(b.msgs))
	for i, m := range b.msgs {
		out[i] = bytes.Clone(m.data)
	}
	return out
}

// UIDs returns the UIDL unique-ids of the messages currently stored for
// user, in order, or nil if user has no mailbox. It is safe for concurrent use
// and performs no I/O.
func (s *Server) UIDs(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	if b == nil {
		return nil
	}
	out := make([]string, len(b.msgs))
	for i, m := range b.msgs {
		out[i] = m.uid
	}
	return out
}

// SetUIDs gives the messages stored for user the UIDL unique-ids uids, in
// order, as a server that chooses its own would: RFC 1939 §7 allows 1 to 70
// characters of 0x21-0x7E, so "." and "a/b" are valid. It returns an error,
// changing nothing, if user has no mailbox, the count differs from the
// number of messages, or a unique-id is invalid or repeated. Sessions already
// logged in see the renamed messages as expunged, as after AddMailbox. It is
// safe for concurrent use and performs no I/O.
func (s *Server) SetUIDs(user string, uids ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	switch {
	case b == nil:
		return fmt.Errorf("pop3test: no mailbox %q", user)
	case len(uids) != len(b.msgs):
		return fmt.Errorf("pop3test: %d unique-ids for %d messages", len(uids), len(b.msgs))
	}
	seen := make(map[string]bool, len(uids))
	for _, uid := range uids {
		if len(uid) < 1 || len(uid) > 70 || strings.IndexFunc(uid, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
			return fmt.Errorf("pop3test: unique-id %q is not 1 to 70 characters of 0x21-0x7E", uid)
		}
		if seen[uid] {
			return fmt.Errorf("pop3test: unique-id %q repeated", uid)
		}
		seen[uid] = true
	}
	for i, m := range b.msgs {
		m.expunged = true
		b.msgs[i] = &message{data: m.data, uid: uids[i]}
	}
	return nil
}
