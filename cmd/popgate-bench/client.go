package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// user is one account and, once signed in, its popgate session cookie.
type user struct {
	name, password string
	ip             string // sent as X-Forwarded-For: the sign-in limit is per client address
	cookie         string // "name=value" after signIn
}

// fakeIP is a distinct client address per simulated browser. popgate
// trusts X-Forwarded-For from 127.0.0.1 (POPGATE_TRUSTED_PROXIES), as
// behind a reverse proxy, so each user has its own sign-in rate limit.
func fakeIP(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// client talks HTTP to one popgate like a browser: keep-alive
// connections, no redirects followed, the session cookie per user.
type client struct {
	base, host string
	metrics    string // base of popgate's metrics listener
	http       *http.Client
}

func newClient(p *popgateProc, conns int) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: p.base, host: p.host, metrics: p.metrics, http: &http.Client{
		Transport:     tr,
		Timeout:       5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *client) closeIdle() { c.http.CloseIdleConnections() }

// signIn posts the sign-in form and keeps the session cookie.
func (c *client) signIn(ctx context.Context, u *user) error {
	form := url.Values{"username": {u.name}, "password": {u.password}, "server": {"0"}}
	resp, err := c.post(ctx, u.ip, "", "login", form, http.StatusSeeOther)
	if err != nil {
		return fmt.Errorf("sign-in of %s: %w", u.name, err)
	}
	for _, ck := range resp.Cookies() {
		if ck.Value != "" && ck.MaxAge >= 0 {
			u.cookie = ck.Name + "=" + ck.Value
			return nil
		}
	}
	return fmt.Errorf("sign-in of %s: no session cookie", u.name)
}

// signOut posts the sign-out form as u.
func (c *client) signOut(ctx context.Context, u *user) error {
	if _, err := c.post(ctx, u.ip, u.cookie, "logout", url.Values{}, http.StatusOK); err != nil {
		return fmt.Errorf("sign-out of %s: %w", u.name, err)
	}
	return nil
}

// post posts form to path (relative to the base) from client address ip
// with cookie ("" for none) and the Origin header a browser sends
// (popgate refuses cross-origin POSTs), and wants status.
func (c *client) post(ctx context.Context, ip, cookie, path string, form url.Values, status int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("X-Forwarded-For", ip)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		return nil, fmt.Errorf("status %d, want %d: %s", resp.StatusCode, status, excerpt(body))
	}
	return resp, nil
}

// get fetches path (relative to the base) as u and returns the status and
// body; into, if not nil, receives the body instead.
func (c *client) get(ctx context.Context, u *user, path string, into io.Writer) (int, []byte, int64, error) {
	return c.getEncoded(ctx, u, path, "", into)
}

// getEncoded is get sending Accept-Encoding: enc unless enc is "". The body
// is returned as it came, not decoded.
func (c *client) getEncoded(ctx context.Context, u *user, path, enc string, into io.Writer) (int, []byte, int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return 0, nil, 0, err
	}
	if u != nil && u.cookie != "" {
		req.Header.Set("Cookie", u.cookie)
	}
	if enc != "" {
		req.Header.Set("Accept-Encoding", enc)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("GET /%s: %w", path, err)
	}
	defer resp.Body.Close()
	if into != nil {
		n, err := io.Copy(into, resp.Body)
		if err != nil {
			return resp.StatusCode, nil, n, fmt.Errorf("GET /%s: reading body: %w", path, err)
		}
		return resp.StatusCode, nil, n, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, 0, fmt.Errorf("GET /%s: reading body: %w", path, err)
	}
	return resp.StatusCode, body, int64(len(body)), nil
}

// getOK is get wanting 200.
func (c *client) getOK(ctx context.Context, u *user, path string) ([]byte, error) {
	status, body, _, err := c.get(ctx, u, path, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		who := "nobody"
		if u != nil {
			who = u.name
		}
		return nil, fmt.Errorf("GET /%s as %s: status %d: %s", path, who, status, excerpt(body))
	}
	return body, nil
}

// inboxRows counts the message rows of an inbox page.
func inboxRows(page []byte) int { return bytes.Count(page, []byte(`data-testid="message-row"`)) }

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func randomKey() string {
	b := make([]byte, 32)
	crand.Read(b)
	return hex.EncodeToString(b)
}
