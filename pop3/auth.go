package pop3

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// requireTLS refuses to let credentials cross a plain-text connection unless
// the caller chose SecurityNone.
func (c *Client) requireTLS() error {
	if !c.isTLS && c.opts.Security != SecurityNone {
		return ErrInsecure
	}
	return nil
}

// Login signs in with the best method the server offers: AUTH PLAIN when
// CAPA lists SASL PLAIN, USER and PASS otherwise. It sends each credential
// once; a -ERR is returned as a *Error (Code CodeAuth for bad credentials on
// most servers, CodeInUse when the mailbox is locked).
func (c *Client) Login(ctx context.Context, username, password string) error {
	if c.caps.HasSASL("PLAIN") {
		return c.AuthPlain(ctx, "", username, password)
	}
	if err := c.User(ctx, username); err != nil {
		return err
	}
	return c.Pass(ctx, password)
}

// User sends USER name, the first half of RFC 1939 sign-in.
func (c *Client) User(ctx context.Context, name string) error {
	if err := c.requireTLS(); err != nil {
		return err
	}
	if err := c.inState(stateAuthorization, "USER"); err != nil {
		return err
	}
	_, err := c.cmd(ctx, "USER "+name, "")
	return err
}

// Pass sends PASS password after User. The password may contain spaces.
// On +OK the Client enters the TRANSACTION state and re-reads the
// capabilities, which servers change after sign-in.
func (c *Client) Pass(ctx context.Context, password string) error {
	if err := c.requireTLS(); err != nil {
		return err
	}
	if err := c.inState(stateAuthorization, "PASS"); err != nil {
		return err
	}
	if _, err := c.cmd(ctx, "PASS "+password, "PASS <redacted>"); err != nil {
		return err
	}
	return c.signedIn(ctx)
}

// AuthPlain signs in with AUTH PLAIN (RFC 5034, RFC 4616). identity is the
// authorization identity, usually "". The credentials go in the command as
// an initial response when the line fits in 255 octets, and after the
// server's "+" prompt otherwise.
func (c *Client) AuthPlain(ctx context.Context, identity, username, password string) (err error) {
	if err := c.requireTLS(); err != nil {
		return err
	}
	if err := c.inState(stateAuthorization, "AUTH"); err != nil {
		return err
	}
	// PLAIN separates its fields with NUL; CR and LF are refused too, as
	// for USER and PASS, so no credential means something else elsewhere.
	for _, s := range []string{identity, username, password} {
		if err := checkArg(s); err != nil {
			return err
		}
	}
	resp := base64.StdEncoding.EncodeToString([]byte(identity + "\x00" + username + "\x00" + password))
	if line := "AUTH PLAIN " + resp; len(line)+2 <= maxCommandLength {
		if _, err := c.cmd(ctx, line, "AUTH PLAIN <redacted>"); err != nil {
			return err
		}
		return c.signedIn(ctx)
	}
	if err := c.authContinue(ctx, "AUTH PLAIN", resp); err != nil {
		return err
	}
	return c.signedIn(ctx)
}

// authContinue sends an AUTH command without initial response, waits for
// the server's "+" prompt and answers it.
func (c *Client) authContinue(ctx context.Context, command, resp string) (err error) {
	ex, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer ex.end(&err)
	if err := c.writeLine(command, ""); err != nil {
		return err
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	if line != "+" && !strings.HasPrefix(line, "+ ") {
		c.trace("S: ", line, "")
		if _, err := parseStatus(line); err != nil {
			return err
		}
		return &ProtocolError{Msg: "+OK before credentials were sent", Line: line}
	}
	c.trace("S: ", line, "")
	if err := c.writeLine(resp, "<redacted>"); err != nil {
		return err
	}
	_, err = c.readStatus()
	return err
}

// Apop signs in with APOP (RFC 1939 section 7): the MD5 of the greeting's
// timestamp and secret. It needs Options.AllowAPOP and a greeting with a
// timestamp; otherwise it returns ErrNotSupported without sending anything.
func (c *Client) Apop(ctx context.Context, name, secret string) error {
	if !c.opts.AllowAPOP || c.timestamp == "" {
		return fmt.Errorf("%w: APOP", ErrNotSupported)
	}
	if err := c.inState(stateAuthorization, "APOP"); err != nil {
		return err
	}
	if err := checkArg(name); err != nil {
		return err
	}
	sum := md5.Sum([]byte(c.timestamp + secret))
	digest := hex.EncodeToString(sum[:])
	if _, err := c.cmd(ctx, "APOP "+name+" "+digest, "APOP "+name+" <redacted>"); err != nil {
		return err
	}
	return c.signedIn(ctx)
}

// signedIn moves to TRANSACTION and re-reads CAPA, which may differ there
// (RFC 2449 section 5). A -ERR to that CAPA is no reason to fail sign-in.
func (c *Client) signedIn(ctx context.Context) error {
	c.state = stateTransaction
	if c.capaFailed {
		return nil
	}
	_, err := c.Capa(ctx)
	var perr *Error
	if errors.As(err, &perr) {
		return nil
	}
	return err
}

// StartTLS sends STLS (RFC 2595) and upgrades the connection to TLS with
// config, which must name the server (ServerName) unless
// InsecureSkipVerify is set; nil uses Options.TLSConfig. Anything the server
// sent after its +OK and before the handshake is an attack (plaintext
// injected into the TLS session) and breaks the Client. The capabilities are
// read again over TLS.
func (c *Client) StartTLS(ctx context.Context, config *tls.Config) (err error) {
	if c.isTLS {
		return fmt.Errorf("%w: TLS is already active", ErrInvalidArgument)
	}
	if err := c.inState(stateAuthorization, "STLS"); err != nil {
		return err
	}
	if config == nil {
		config = c.opts.TLSConfig
	}
	if config == nil || (config.ServerName == "" && !config.InsecureSkipVerify) {
		return fmt.Errorf("%w: StartTLS needs a tls.Config with ServerName", ErrInvalidArgument)
	}
	if err := c.startTLS(ctx, config); err != nil {
		return err
	}
	c.caps, c.capaFailed = nil, false
	if _, err := c.Capa(ctx); err != nil && !c.capaFailed {
		return err
	}
	return nil
}

func (c *Client) startTLS(ctx context.Context, config *tls.Config) (err error) {
	ex, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer ex.end(&err)
	if err := c.writeLine("STLS", ""); err != nil {
		return err
	}
	if _, err := c.readStatus(); err != nil {
		var perr *Error
		if errors.As(err, &perr) {
			// Refused STLS: when TLS was required the caller must give up,
			// never continue in plain text; it is their decision.
			return fmt.Errorf("%w: %w", ErrNoSTLS, err)
		}
		return err
	}
	if n := c.r.Buffered(); n > 0 {
		return &ProtocolError{Msg: fmt.Sprintf("%d octets sent after the STLS reply, before TLS", n)}
	}
	cfg := config.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	tconn := tls.Client(&recordConn{Conn: c.conn}, cfg)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return err
	}
	c.setConn(tconn)
	c.isTLS = true
	return nil
}

// inState refuses a command in the wrong RFC 1939 state, before sending.
func (c *Client) inState(want state, command string) error {
	if c.state != want {
		return fmt.Errorf("%w: %s is not allowed in this state", ErrInvalidArgument, command)
	}
	return nil
}
