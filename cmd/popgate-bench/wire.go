package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
)

// countingConn counts the octets read and written on a connection.
type countingConn struct {
	net.Conn
	read, written *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// walk is what one walk from the sign-in page to a message exchanged.
type walk struct {
	requests       int
	sent, received int64  // octets on the connection, headers and all
	cookie         string // the session cookie it ended with, "name=value"
}

func (w walk) total() int64 { return w.sent + w.received }

// linkRE finds the files a page links: its stylesheet, icon and script.
var linkRE = regexp.MustCompile(`(?:href|src)="([^"]*/static/[^"]+)"`)

// walkToMessage does what a browser with an empty cache does to read
// message uid as u: GET the sign-in page, POST it, GET the inbox it is sent
// to, then the message, and each file these pages link once, all on one
// keep-alive connection whose octets it counts. It sends Accept-Encoding:
// enc unless enc is "".
func walkToMessage(ctx context.Context, c *client, u *user, uid, enc string) (walk, error) {
	var read, written atomic.Int64
	var dialer net.Dialer
	tr := &http.Transport{
		DisableCompression: true,
		MaxConnsPerHost:    1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: conn, read: &read, written: &written}, nil
		},
	}
	defer tr.CloseIdleConnections()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base, err := url.Parse(c.base)
	if err != nil {
		return walk{}, err
	}
	var wk walk
	linked := map[string]bool{}
	// get sends method to ref (relative to the base) and returns the
	// status, the Location and the body, decoded.
	get := func(method, ref string, form url.Values) (int, string, []byte, error) {
		target, err := base.Parse(ref)
		if err != nil {
			return 0, "", nil, err
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
		if err != nil {
			return 0, "", nil, err
		}
		req.Header.Set("X-Forwarded-For", u.ip)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://"+c.host)
		}
		wk.requests++
		resp, err := hc.Do(req)
		if err != nil {
			return 0, "", nil, fmt.Errorf("%s %s: %w", method, target.Path, err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			if r, err = gzip.NewReader(resp.Body); err != nil {
				return 0, "", nil, fmt.Errorf("%s %s: %w", method, target.Path, err)
			}
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return 0, "", nil, fmt.Errorf("%s %s: reading body: %w", method, target.Path, err)
		}
		return resp.StatusCode, resp.Header.Get("Location"), data, nil
	}
	// page gets a page, wanting status, and once each the files it links.
	page := func(method, ref string, form url.Values, status int) (string, []byte, error) {
		got, location, body, err := get(method, ref, form)
		if err == nil && got != status {
			err = fmt.Errorf("%s /%s as %s: status %d, want %d: %s", method, ref, u.name, got, status, excerpt(body))
		}
		if err != nil {
			return "", nil, err
		}
		for _, m := range linkRE.FindAllSubmatch(body, -1) {
			file := string(m[1])
			if linked[file] {
				continue
			}
			linked[file] = true
			if got, _, _, err := get("GET", file, nil); err != nil || got != http.StatusOK {
				return "", nil, fmt.Errorf("GET %s: status %d, %v", file, got, err)
			}
		}
		return location, body, nil
	}

	if _, _, err := page("GET", "login", nil, http.StatusOK); err != nil {
		return walk{}, err
	}
	form := url.Values{"username": {u.name}, "password": {u.password}, "server": {"0"}}
	inbox, _, err := page("POST", "login", form, http.StatusSeeOther)
	if err != nil {
		return walk{}, err
	}
	_, body, err := page("GET", inbox, nil, http.StatusOK)
	if err != nil {
		return walk{}, err
	}
	if n := inboxRows(body); n != 50 {
		return walk{}, fmt.Errorf("the inbox of %s has %d rows, want 50", u.name, n)
	}
	if _, _, err := page("GET", "message/"+url.PathEscape(uid), nil, http.StatusOK); err != nil {
		return walk{}, err
	}
	wk.sent, wk.received = written.Load(), read.Load()
	name, _, _ := strings.Cut(u.cookie, "=")
	for _, ck := range jar.Cookies(base) {
		if ck.Name == name {
			wk.cookie = ck.Name + "=" + ck.Value
		}
	}
	if wk.cookie == "" {
		return walk{}, fmt.Errorf("sign-in of %s: no cookie %s", u.name, name)
	}
	return wk, nil
}

// plainMessage returns the number of the newest plain-text message (one
// part, text/plain) of the mailbox's first inbox page.
func plainMessage(m *mailbox) (int, error) {
	for i := m.n - 2; i > m.n-50 && i > 0; i-- {
		msg, err := mail.ReadMessage(bytes.NewReader(m.message(i)))
		if err != nil {
			continue
		}
		ct := msg.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); ct == "" || err == nil && mt == "text/plain" {
			return i, nil
		}
	}
	return 0, errors.New("no plain-text message among the newest 50")
}

// bytesFigure counts the octets a browser with an empty cache exchanges
// with popgate from the sign-in page to a plain message, with
// Accept-Encoding: gzip and without. The user it walks as (the second) is
// signed in anew, and keeps the new session for the figures after.
func bytesFigure(ctx context.Context, w *world, c *client) (row, error) {
	u := w.users[min(1, len(w.users)-1)]
	num, err := plainMessage(w.mail)
	if err != nil {
		return row{}, err
	}
	uid, err := w.uidOf(ctx, u, num)
	if err != nil {
		return row{}, err
	}
	walks := map[string]walk{}
	for _, enc := range []string{"gzip", ""} {
		wk, err := walkToMessage(ctx, c, u, uid, enc)
		if err != nil {
			return row{}, err
		}
		u.cookie = wk.cookie
		walks[enc] = wk
	}
	gz, plain := walks["gzip"], walks[""]
	return row{
		figure: fmt.Sprintf("octets on the wire, sign-in page to a plain message (%s; the newest on page 1): %d requests, the pages and the files they link (not the stylesheet's icons), once each",
			kb(int64(len(w.mail.message(num)))), gz.requests),
		measured: fmt.Sprintf("%s with Accept-Encoding: gzip (%s received, %s sent)", kb(gz.total()), kb(gz.received), kb(gz.sent)),
		floor:    fmt.Sprintf("%s without (%s received, %s sent)", kb(plain.total()), kb(plain.received), kb(plain.sent)),
		ratio:    fmt.Sprintf("%.2f", float64(gz.total())/float64(plain.total())),
		target:   "<= 30 KB with gzip",
		met:      yes(gz.total() <= 30_000),
	}, nil
}

// kb shows octets in kilobytes (1,000 octets).
func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }
