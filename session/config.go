package session

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"popgate/pop3"
)

// Upstream is one POP3 server the admin configured. It is a plain value;
// nothing here performs I/O.
type Upstream struct {
	ID      string       // stable id used in forms, e.g. "0" or a label slug
	Label   string       // shown to users
	Addr    string       // host:port
	Options pop3.Options // Security (TLS by default), TLSConfig, DialContext, Timeout
	// UserNamed marks a server a user typed at sign-in rather than one
	// the admin listed. Its dial phase (connection, TLS, greeting, CAPA,
	// STLS) is bounded by UserNamedDialTimeout, and every failure of that
	// phase is KindUnreachable, which does not tell a refused port from a
	// silent one, a forbidden address or a server that does not speak
	// POP3 over TLS: sign-in must not map the networks popgate can see.
	UserNamed bool
}

// Defaults for the zero Config fields.
const (
	DefaultCookieName      = "popgate_session"
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultMaxLifetime     = 12 * time.Hour
	DefaultConnIdleTimeout = 4 * time.Minute // well before RFC 1939's 10-minute autologout
	DefaultProbeAfter      = 20 * time.Second
	DefaultMaxConns        = 1000
	DefaultIndexAfter      = 2 * time.Second
	// DefaultIndexMemory is the budget of all header indexes together:
	// some 4 million messages of ordinary mail, 400 mailboxes of 10,000.
	DefaultIndexMemory = 256 << 20
)

// Timeouts of work the Manager starts on its own.
const (
	// probeTimeout bounds the NOOP that checks an idle connection before
	// reuse: a live server answers at once, and a dead one must not make
	// the user wait for the full command timeout.
	probeTimeout = 5 * time.Second
	// backgroundTimeout bounds a sign-out or keep-alive started by the
	// reaper, which has no request deadline to inherit.
	backgroundTimeout = time.Minute
)

// Config configures a Manager. The zero value of each field means its
// default. Config is a plain value: NewManager keeps a copy.
type Config struct {
	// CookieName is the cookie's name (DefaultCookieName). With
	// SecureCookie it gets the "__Host-" prefix (or "__Secure-" when
	// CookiePath is not "/") unless it already has one; see
	// Manager.CookieName.
	CookieName string
	// CookiePath is the cookie's Path ("/").
	CookiePath string
	// SecureCookie sets the Secure flag: set it when served over HTTPS.
	SecureCookie bool
	// HashKey authenticates the cookie (HMAC-SHA256, 32 or 64 bytes
	// recommended) and BlockKey encrypts it (AES: 16, 24 or 32 bytes).
	// Derive both from one secret in the caller. Nil means a random key per
	// process.
	HashKey, BlockKey []byte
	// IdleTimeout ends a web session that saw no request for that long, as
	// sign-out does (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxLifetime ends a web session that long after sign-in, whatever its
	// activity (DefaultMaxLifetime).
	MaxLifetime time.Duration
	// ConnIdleTimeout closes a POP3 connection idle that long, or keeps it
	// alive with NOOP when the session has pending deletions or the server
	// enforces LOGIN-DELAY (DefaultConnIdleTimeout).
	ConnIdleTimeout time.Duration
	// ProbeAfter makes a request NOOP a connection idle longer than this
	// before using it, and reconnect if it is dead (DefaultProbeAfter).
	ProbeAfter time.Duration
	// MaxConns caps the open POP3 connections across all sessions
	// (DefaultMaxConns). When it, or one of the caps below, is reached,
	// the least recently used idle connection whose closing makes room
	// and whose session can do without it (nothing pending, no
	// LOGIN-DELAY of a listed server) is closed; if there is none, the
	// request fails with a *ConnLimitError (ErrTooManyConnections).
	MaxConns int
	// MaxConnsPerNetwork caps the connections of the sessions signed in
	// from one browser network (ClientNetwork: a /24 or a /64), so that
	// one party cannot take them all (a tenth of MaxConns by default).
	// Raise it when many users share one address, behind one NAT.
	MaxConnsPerNetwork int
	// MaxConnsPerServer caps the connections to any one mail server
	// (MaxConns by default: a listed server may use them all).
	MaxConnsPerServer int
	// MaxConnsUserNamed caps the connections to the servers users named
	// (Upstream.UserNamed) together, a tenth of MaxConns by default; each
	// such server gets at most a quarter of it.
	MaxConnsUserNamed int
	// Logger receives operational logs, never passwords or message content.
	// Nil means slog.Default().
	Logger *slog.Logger
	// Committed, if set, is told how many deletions each sign-out (by the
	// user, idle expiry or shutdown) committed with QUIT: for metrics. It
	// must be quick and safe for concurrent use.
	Committed func(n int)
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time

	// Envelope parses a header block (TOP n 0) for the header index, which
	// serves the inbox rows and Search. It is required: the binary sets the
	// web layer's parser (web.ParseEnvelope), the one that also reads an
	// opened message, so that index entries read exactly like it. It must
	// be safe for concurrent use and never fail.
	Envelope func(header []byte) Envelope
	// IndexAfter is how long after sign-in the background indexer starts
	// at the latest when neither an inbox page nor a search started it
	// sooner (DefaultIndexAfter).
	IndexAfter time.Duration
	// NoIndex turns the background indexer off: Search then covers only
	// the messages whose headers the inbox has fetched.
	NoIndex bool
	// IndexMemory is the budget, in bytes, of all sessions' header
	// indexes together (DefaultIndexMemory). Past it the indexes of the
	// least recently active sessions are set aside, to be rebuilt when
	// their users page through the inbox or search again; one index alone
	// holds at most this much (and at most 16 MiB). What sessions hold
	// besides (the list of messages, about 50 bytes a message, and the
	// connection) is not counted.
	IndexMemory int64
	// MemoryFreed, if set, is told when an index let go of its memory
	// (sign-out, expiry, set aside for the budget) or was completed (the
	// garbage of building it is collectable), and when a sign-in failed
	// after reading more than it could keep (a listing over its budget, a
	// user-named server found unfit), so that the caller can
	// return freed memory to the system: the binary does, at most every
	// few seconds. It must be quick, never block and be safe for
	// concurrent use; it may be called with a session's lock held.
	MemoryFreed func()
}

// Validate reports a Config that NewManager would refuse: no Envelope
// parser, or cookie keys of the wrong length. It doesn't perform I/O.
func (c Config) Validate() error {
	if c.Envelope == nil {
		return errors.New("session: Config.Envelope is required")
	}
	if c.BlockKey != nil {
		switch len(c.BlockKey) {
		case 16, 24, 32:
		default:
			return fmt.Errorf("session: BlockKey must be 16, 24 or 32 bytes, not %d", len(c.BlockKey))
		}
	}
	if c.HashKey != nil && len(c.HashKey) < 32 {
		return fmt.Errorf("session: HashKey must be at least 32 bytes, not %d", len(c.HashKey))
	}
	return nil
}

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if c.CookiePath == "" {
		c.CookiePath = "/"
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	if c.ConnIdleTimeout <= 0 {
		c.ConnIdleTimeout = DefaultConnIdleTimeout
	}
	if c.ProbeAfter <= 0 {
		c.ProbeAfter = DefaultProbeAfter
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerNetwork <= 0 {
		c.MaxConnsPerNetwork = max(1, c.MaxConns/10)
	}
	if c.MaxConnsPerServer <= 0 {
		c.MaxConnsPerServer = c.MaxConns
	}
	if c.MaxConnsUserNamed <= 0 {
		c.MaxConnsUserNamed = max(1, c.MaxConns/10)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.IndexAfter <= 0 {
		c.IndexAfter = DefaultIndexAfter
	}
	if c.IndexMemory <= 0 {
		c.IndexMemory = DefaultIndexMemory
	}
	return c
}

// reapInterval is how often the reaper looks at the sessions: often enough
// that idle limits are met within a quarter of the shortest one.
func (c Config) reapInterval() time.Duration {
	d := min(c.ConnIdleTimeout, c.IdleTimeout) / 4
	return max(10*time.Millisecond, min(d, 15*time.Second))
}
