package pop3test

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	msgUnknown   = "-ERR Unknown command."
	msgBadState  = "-ERR Command not valid in this state."
	msgBadArgs   = "-ERR Invalid arguments."
	msgAuthFail  = "Authentication failed."
	msgPlainAuth = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections."
)

// splitCommand separates the case-insensitive keyword from the rest of the
// line, which is kept verbatim because a password may contain spaces
// (RFC 1939 §7).
func splitCommand(line string) (keyword, arg string) {
	keyword, arg, _ = strings.Cut(line, " ")
	return strings.ToUpper(keyword), arg
}

func (c *session) disabled(kw string) bool {
	o := &c.opts
	switch kw {
	case "CAPA":
		return o.NoCAPA
	case "UIDL":
		return o.NoUIDL
	case "TOP":
		return o.NoTOP
	case "STLS":
		return o.NoSTLS
	case "USER", "PASS":
		return o.NoUSER
	case "AUTH":
		return o.NoSASL
	case "APOP":
		return c.stamp == ""
	}
	return false
}

// badCommand answers an unknown or misplaced command and enforces
// MaxBadCommands.
func (c *session) badCommand(text string) action {
	c.bad++
	if c.opts.MaxBadCommands > 0 && c.bad >= c.opts.MaxBadCommands {
		c.line("-ERR Too many invalid bad commands.")
		return actClose
	}
	c.line(text)
	return actNone
}

func (c *session) exec(kw, arg string) action {
	if c.disabled(kw) {
		return c.badCommand(msgUnknown)
	}
	switch kw {
	case "CAPA":
		if c.opts.CAPAFlood.on() {
			return c.flood("+OK", c.opts.CAPAFlood, capaFlood)
		}
		c.capa()
		return actNone
	case "QUIT":
		return c.quit()
	case "STLS", "USER", "PASS", "APOP", "AUTH":
		if c.state != stateAuthorization {
			return c.badCommand(msgBadState)
		}
	case "STAT", "LIST", "UIDL", "TOP", "RETR", "DELE", "RSET", "NOOP":
		if c.state != stateTransaction {
			return c.badCommand(msgBadState)
		}
	default:
		return c.badCommand(msgUnknown)
	}
	if c.opts.RequireTLS && !c.secure {
		switch kw {
		case "USER", "PASS", "APOP", "AUTH":
			c.line(c.errLine("AUTH", msgPlainAuth))
			return actNone
		}
	}
	args := strings.Fields(arg)
	switch kw {
	case "STLS":
		if c.secure {
			c.line("-ERR TLS is already active.")
			return actNone
		}
		// The injected text shares the write with the +OK on purpose: a
		// client must not read past the +OK before its handshake.
		c.line("+OK Begin TLS negotiation now.")
		c.out.WriteString(c.opts.InjectAfterSTLS)
		return actSTLS
	case "USER":
		if arg == "" {
			c.line("-ERR No username given.")
			return actNone
		}
		c.user = arg
		c.line("+OK")
		return actNone
	case "PASS":
		if c.user == "" {
			c.line("-ERR No username given.")
			return actNone
		}
		user := c.user
		c.user = ""
		return c.login(user, func(pass string) bool {
			return subtle.ConstantTimeCompare([]byte(pass), []byte(arg)) == 1
		})
	case "APOP":
		if len(args) != 2 {
			c.line(msgBadArgs)
			return actNone
		}
		digest := args[1]
		return c.login(args[0], func(pass string) bool {
			sum := md5.Sum([]byte(c.stamp + pass))
			want := hex.EncodeToString(sum[:])
			return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(digest))) == 1
		})
	case "AUTH":
		return c.auth(args)
	case "STAT":
		n, size := 0, 0
		for i, m := range c.msgs {
			if !c.deleted[i] {
				n++
				size += len(m.data)
			}
		}
		c.line(fmt.Sprintf("+OK %d %d", n, size))
	case "UIDL":
		if len(args) == 0 && c.opts.UIDLFlood.on() {
			return c.flood("+OK", c.opts.UIDLFlood, uidlFlood)
		}
		c.list(kw, args)
	case "LIST":
		if len(args) == 0 && c.opts.LISTFlood.on() {
			return c.flood(fmt.Sprintf("+OK %d messages:", c.opts.LISTFlood.Lines), c.opts.LISTFlood, listFlood)
		}
		c.list(kw, args)
	case "TOP":
		c.top(args)
	case "RETR":
		if len(args) != 1 {
			c.line(msgBadArgs)
			return actNone
		}
		if i, ok := c.message(args[0], true); ok {
			c.retrieved[i] = true
			c.line(fmt.Sprintf("+OK %d octets", len(c.msgs[i].data)))
			c.body(c.msgs[i].data)
		}
	case "DELE":
		if len(args) != 1 {
			c.line(msgBadArgs)
			return actNone
		}
		if i, ok := c.message(args[0], false); ok {
			c.deleted[i] = true
			c.line("+OK Marked to be deleted.")
		}
	case "RSET":
		clear(c.deleted)
		c.line("+OK")
	case "NOOP":
		c.line("+OK")
	}
	return actNone
}

func (c *session) capa() {
	o := &c.opts
	caps := []string{"CAPA"}
	if !o.NoTOP {
		caps = append(caps, "TOP")
	}
	if !o.NoUIDL {
		caps = append(caps, "UIDL")
	}
	if !o.NoRespCodes {
		caps = append(caps, "RESP-CODES")
	}
	if !o.NoPipelining {
		caps = append(caps, "PIPELINING")
	}
	if !o.NoRespCodes {
		caps = append(caps, "AUTH-RESP-CODE")
	}
	// Like Dovecot, the login-related capabilities are only listed while
	// they can be used.
	if c.state == stateAuthorization {
		if !c.secure && !o.NoSTLS {
			caps = append(caps, "STLS")
		}
		if c.secure || !o.RequireTLS {
			if !o.NoUSER {
				caps = append(caps, "USER")
			}
			if !o.NoSASL {
				caps = append(caps, "SASL PLAIN")
			}
		}
	}
	if o.LoginDelay > 0 {
		secs := int64(math.Ceil(o.LoginDelay.Seconds()))
		caps = append(caps, fmt.Sprintf("LOGIN-DELAY %d", secs))
	}
	if o.Expire != "" {
		caps = append(caps, "EXPIRE "+oneLine(o.Expire))
	}
	if o.Implementation != "" {
		caps = append(caps, "IMPLEMENTATION "+oneLine(o.Implementation))
	}
	c.multi("+OK", caps)
}

func (c *session) quit() action {
	if c.state != stateTransaction {
		c.line("+OK Logging out.")
		return actClose
	}
	marked := false
	for i := range c.msgs {
		if c.deleted[i] || (c.opts.Expire == "0" && c.retrieved[i]) {
			marked = true
		}
	}
	c.s.commit(c)
	if marked {
		c.line("+OK Logging out, messages deleted.")
	} else {
		c.line("+OK Logging out.")
	}
	return actClose
}

func (c *session) auth(args []string) action {
	if len(args) == 0 {
		// Listing mechanisms with a bare AUTH predates RFC 5034 but is
		// still sent by some clients.
		c.multi("+OK", []string{"PLAIN"})
		return actNone
	}
	if !strings.EqualFold(args[0], "PLAIN") {
		c.line("-ERR Unsupported authentication mechanism.")
		return actNone
	}
	switch len(args) {
	case 1:
		c.line("+ ")
		c.sasl = true
		return actNone
	case 2:
		return c.authPlain(args[1])
	}
	c.line(msgBadArgs)
	return actNone
}

// authPlain checks an RFC 4616 PLAIN response, given as initial response or
// as continuation line.
func (c *session) authPlain(resp string) action {
	if resp == "*" {
		c.line("-ERR Authentication aborted by client.")
		return actNone
	}
	if resp == "=" {
		resp = ""
	}
	dec, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		c.line("-ERR Invalid base64 data.")
		return actNone
	}
	parts := bytes.Split(dec, []byte{0})
	if len(parts) != 3 || (len(parts[0]) > 0 && !bytes.Equal(parts[0], parts[1])) {
		c.line(c.errLine("AUTH", msgAuthFail))
		return actNone
	}
	return c.login(string(parts[1]), func(pass string) bool {
		return subtle.ConstantTimeCompare([]byte(pass), parts[2]) == 1
	})
}

func (c *session) login(user string, check func(pass string) bool) action {
	if text := c.s.login(c, user, check); text != "" {
		c.line(text)
		return actNone
	}
	c.line("+OK Logged in.")
	return actLogin
}

// login verifies credentials and, on success, locks the mailbox and gives
// the session its snapshot. It returns the -ERR line on failure.
func (s *Server) login(c *session, user string, check func(pass string) bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.boxes[user]
	if b == nil && c.opts.AnyUser {
		b = &mailbox{}
		s.boxes[user] = b
	}
	if b == nil || (!c.opts.AnyUser && !check(b.pass)) {
		return c.errLine("AUTH", msgAuthFail)
	}
	now := time.Now()
	if d := c.opts.LoginDelay; d > 0 && !b.lastLogin.IsZero() && now.Sub(b.lastLogin) < d {
		return c.errLine("LOGIN-DELAY", "Logged in too recently, try again later.")
	}
	if !c.opts.NoLock {
		if b.owner != nil {
			return c.errLine("IN-USE", "Mailbox is locked by another POP3 session.")
		}
		b.owner = c
	}
	b.lastLogin = now
	s.logins++
	c.box = b
	c.msgs = append([]*message(nil), b.msgs...)
	c.deleted = make([]bool, len(c.msgs))
	c.retrieved = make([]bool, len(c.msgs))
	c.state = stateTransaction
	return ""
}

// commit is the UPDATE state: it removes the marked messages from the
// mailbox (other sessions see them as expunged) and releases the lock.
func (s *Server) commit(c *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gone := make(map[*message]bool)
	for i, m := range c.msgs {
		if c.deleted[i] || (c.opts.Expire == "0" && c.retrieved[i]) {
			gone[m] = true
		}
	}
	b := c.box
	if len(gone) > 0 {
		keep := make([]*message, 0, len(b.msgs))
		for _, m := range b.msgs {
			if gone[m] {
				m.expunged = true
			} else {
				keep = append(keep, m)
			}
		}
		b.msgs = keep
	}
	if b.owner == c {
		b.owner = nil
	}
}

func (s *Server) expunged(m *message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return m.expunged
}

// message resolves a message-number argument to an index into the session
// snapshot, or builds the -ERR reply. With content set, messages expunged by
// another session are refused too.
func (c *session) message(arg string, content bool) (int, bool) {
	if !isDigits(arg) {
		c.line("-ERR Invalid message number: " + arg)
		return 0, false
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > len(c.msgs) {
		c.line("-ERR There's no message " + arg + ".")
		return 0, false
	}
	i := n - 1
	if c.deleted[i] {
		c.line("-ERR Message is deleted.")
		return 0, false
	}
	if content && c.s.expunged(c.msgs[i]) {
		c.line(fmt.Sprintf("-ERR Message %d expunged.", n))
		return 0, false
	}
	return i, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (c *session) list(kw string, args []string) {
	item := func(i int) string {
		if kw == "UIDL" {
			return fmt.Sprintf("%d %s", i+1, c.msgs[i].uid)
		}
		return fmt.Sprintf("%d %d", i+1, len(c.msgs[i].data))
	}
	switch len(args) {
	case 0:
		var lines []string
		for i := range c.msgs {
			if !c.deleted[i] {
				lines = append(lines, item(i))
			}
		}
		status := "+OK"
		if kw == "LIST" {
			if c.opts.ListHeaderText != "" {
				status = "+OK " + oneLine(c.opts.ListHeaderText)
			} else {
				status = fmt.Sprintf("+OK %d messages:", len(lines))
			}
		}
		c.multi(status, lines)
	case 1:
		if i, ok := c.message(args[0], false); ok {
			c.line("+OK " + item(i))
		}
	default:
		c.line(msgBadArgs)
	}
}

func (c *session) top(args []string) {
	if len(args) != 2 {
		c.line(msgBadArgs)
		return
	}
	if !isDigits(args[1]) {
		c.line("-ERR Invalid size: " + args[1])
		return
	}
	k, err := strconv.Atoi(args[1])
	if err != nil {
		k = math.MaxInt // all digits, so only too large: the whole body
	}
	i, ok := c.message(args[0], true)
	if !ok {
		return
	}
	c.line("+OK")
	c.body(topOf(c.msgs[i].data, k))
}

// topOf returns the header, the blank line and the first k body lines of a
// CRLF message (RFC 1939 §7); a message without a blank line is all header.
func topOf(data []byte, k int) []byte {
	var hdr int
	switch {
	case bytes.HasPrefix(data, []byte("\r\n")):
		hdr = 2
	case bytes.Contains(data, []byte("\r\n\r\n")):
		hdr = bytes.Index(data, []byte("\r\n\r\n")) + 4
	default:
		return data
	}
	end := hdr
	for n := 0; n < k && end < len(data); n++ {
		i := bytes.IndexByte(data[end:], '\n')
		if i < 0 {
			return data
		}
		end += i + 1
	}
	return data[:end]
}
