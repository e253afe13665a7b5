package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"popgate/pop3"
)

// newest returns the message numbers of the first inbox page: the n
// newest, newest first, as popgate lists them.
func newest(total, n int) []int {
	nums := make([]int, 0, n)
	for i := total; i > total-n && i > 0; i-- {
		nums = append(nums, i)
	}
	return nums
}

// floorSignIn is what popgate must do at least for a sign-in and the first
// page: connect, TLS, authenticate, UIDL, LIST, and the 50 newest
// headers pipelined.
func (w *world) floorSignIn(ctx context.Context, u *user) (time.Duration, error) {
	t := time.Now()
	c, err := w.dialPOP3(ctx, u)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, _, err := c.UniqueIDs(ctx); err != nil {
		return 0, err
	}
	list, err := c.List(ctx)
	if err != nil {
		return 0, err
	}
	err = c.TopMany(ctx, newest(len(list), 50), 0, func(_ int, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r)
		return err
	})
	d := time.Since(t)
	if err == nil {
		err = c.Quit(ctx)
	}
	return d, err
}

// signInFigure signs every user in, one after the other, timing POST
// /login and the first inbox page; each next to the floor done directly,
// in alternating order.
func signInFigure(ctx context.Context, w *world, c *client) (row, error) {
	var got, floor timings
	for i, u := range w.users {
		measure := func() error {
			t := time.Now()
			if err := c.signIn(ctx, u); err != nil {
				return err
			}
			page, err := c.getOK(ctx, u, "")
			if err != nil {
				return err
			}
			got = append(got, time.Since(t))
			if n := inboxRows(page); n != 50 {
				return fmt.Errorf("first inbox page of %s has %d rows, want 50", u.name, n)
			}
			return nil
		}
		direct := func() error {
			d, err := w.floorSignIn(ctx, u)
			floor = append(floor, d)
			return err
		}
		first, second := measure, direct
		if i%2 == 1 {
			first, second = direct, measure
		}
		if err := first(); err != nil {
			return row{}, err
		}
		if err := second(); err != nil {
			return row{}, err
		}
	}
	g, f := got.p(50), floor.p(50)
	return row{
		figure:   "sign-in to first inbox page (50 rows)",
		measured: fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(g), ms(got.p(99)), len(got)),
		floor:    fmt.Sprintf("p50 %s: pop3 connect, TLS, auth, UIDL, LIST, 50 TOP pipelined", ms(f)),
		ratio:    ratio(g, f),
		target:   "ratio <= 1.3",
		met:      yes(float64(g) <= 1.3*float64(f)),
	}, nil
}

// uidOf returns the UIDL of message n of u's maildrop.
func (w *world) uidOf(ctx context.Context, u *user, n int) (string, error) {
	c, err := w.dialPOP3(ctx, u)
	if err != nil {
		return "", err
	}
	defer c.Close()
	id, err := c.UidlOne(ctx, n)
	if err != nil {
		return "", err
	}
	c.Quit(ctx)
	return id.UID, nil
}

// openHTMLFigure opens the 1 MB HTML message (page and body frame) against
// RETR of it.
func openHTMLFigure(ctx context.Context, w *world, c *client, direct *pop3.Client) (row, error) {
	u := w.users[0]
	num := w.cfg.Messages - 1
	uid, err := w.uidOf(ctx, u, num)
	if err != nil {
		return row{}, err
	}
	var got, floor timings
	for range w.cfg.Samples {
		t := time.Now()
		page, err := c.getOK(ctx, u, "message/"+uid)
		if err != nil {
			return row{}, err
		}
		if !bytes.Contains(page, []byte("/body")) {
			return row{}, errors.New("the HTML message's page has no body frame")
		}
		body, err := c.getOK(ctx, u, "message/"+uid+"/body")
		if err != nil {
			return row{}, err
		}
		got = append(got, time.Since(t))
		if len(body) < 100<<10 {
			return row{}, fmt.Errorf("the HTML body frame is only %d octets", len(body))
		}

		t = time.Now()
		r, err := direct.Retr(ctx, num)
		if err != nil {
			return row{}, err
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return row{}, err
		}
		floor = append(floor, time.Since(t))
	}
	g, f := got.p(50), floor.p(50)
	return row{
		figure:   fmt.Sprintf("open the %s HTML message (page + body frame)", mb(len(w.mail.html))),
		measured: fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(g), ms(got.p(99)), len(got)),
		floor:    fmt.Sprintf("p50 %s: RETR by package pop3", ms(f)),
		ratio:    ratio(g, f),
		target:   "ratio <= 1.5",
		met:      yes(float64(g) <= 1.5*float64(f)),
	}, nil
}

// floorDownload RETRs the attachment message and decodes the attachment
// into io.Discard with the standard library.
func floorDownload(ctx context.Context, direct *pop3.Client, num int) (int64, error) {
	r, err := direct.Retr(ctx, num)
	if err != nil {
		return 0, err
	}
	defer io.Copy(io.Discard, r)
	br := bufio.NewReaderSize(r, 64<<10)
	msgHeader, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return 0, err
	}
	_, params, err := mime.ParseMediaType(msgHeader.Get("Content-Type"))
	if err != nil {
		return 0, err
	}
	mr := multipart.NewReader(br, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
			return io.Copy(io.Discard, base64.NewDecoder(base64.StdEncoding, p))
		}
	}
}

// downloadFigure downloads the large attachment, watching popgate's
// resident memory, against RETR and decoding.
func downloadFigure(ctx context.Context, w *world, c *client, direct *pop3.Client) (row, error) {
	u := w.users[0]
	num := w.cfg.Messages
	uid, err := w.uidOf(ctx, u, num)
	if err != nil {
		return row{}, err
	}
	runs := 3
	var got, floor timings
	var growth int64
	pid := w.popgate.pid()
	for range runs {
		before, _, err := rss(pid)
		if err != nil {
			return row{}, err
		}
		peak := watchPeak(pid)
		t := time.Now()
		status, _, n, err := c.get(ctx, u, "message/"+uid+"/part/"+attachmentPart, io.Discard)
		d := time.Since(t)
		high := peak()
		if err != nil {
			return row{}, err
		}
		if status != http.StatusOK || n != int64(w.cfg.Attachment) {
			return row{}, fmt.Errorf("attachment download: status %d, %d octets, want 200 and %d", status, n, w.cfg.Attachment)
		}
		got = append(got, d)
		growth = max(growth, high-before)

		t = time.Now()
		n, err = floorDownload(ctx, direct, num)
		if err != nil {
			return row{}, fmt.Errorf("floor download: %w", err)
		}
		if n != int64(w.cfg.Attachment) {
			return row{}, fmt.Errorf("floor download: %d octets, want %d", n, w.cfg.Attachment)
		}
		floor = append(floor, time.Since(t))
	}
	size := float64(w.cfg.Attachment)
	g, f := size/got.p(50).Seconds(), size/floor.p(50).Seconds()
	return row{
		figure:   fmt.Sprintf("download the %s attachment", mb(w.cfg.Attachment)),
		measured: fmt.Sprintf("%.0f MB/s (median of %d); RSS +%s at most", g/1e6, runs, mb(int(growth))),
		floor:    fmt.Sprintf("%.0f MB/s: RETR, decoded, into io.Discard", f/1e6),
		ratio:    fmt.Sprintf("%.2f", g/f),
		target:   ">= 0.8; RSS +32 MB at most",
		met:      yes(g >= 0.8*f && growth <= 32<<20),
	}, nil
}

// watchPeak starts watching pid's resident set and returns a function that
// stops and returns the highest value seen: VmHWM after resetting it, and
// samples every 5 ms in case the reset is not allowed.
func watchPeak(pid int) func() int64 {
	reset := resetPeak(pid)
	stop := make(chan struct{})
	var high int64
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if cur, _, err := rss(pid); err == nil {
				high = max(high, cur)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() int64 {
		close(stop)
		wg.Wait()
		if _, hwm, err := rss(pid); err == nil && reset {
			high = max(high, hwm)
		}
		return high
	}
}

// sessionsFigure signs in n users of an in-memory POP3 server in another
// process, through a second popgate, and divides its growth in resident
// memory by n.
func sessionsFigure(ctx context.Context, w *world, progress io.Writer) (row, error) {
	n := w.cfg.Sessions
	t := time.Now()
	srv, err := startPOP3Server(ctx, w.dir, w.cfg.Corpus, n)
	if err != nil {
		return row{}, err
	}
	defer srv.stop()
	p, err := startPopgate(ctx, w.popgateBin, w.dir, "popgate-sessions", map[string]string{
		"POPGATE_SERVERS":         "pop3s://" + srv.addr,
		"POPGATE_CA_FILE":         srv.caFile,
		"POPGATE_SESSION_KEY":     randomKey(),
		"POPGATE_TRUSTED_PROXIES": "127.0.0.1",
	})
	if err != nil {
		return row{}, err
	}
	defer p.stop(10 * time.Second)
	fmt.Fprintf(progress, "sessions: POP3 server with %d users and popgate started in %v\n", n, time.Since(t).Round(time.Millisecond))
	c := newClient(p, 16)
	if _, err := c.getOK(ctx, nil, "login"); err != nil {
		return row{}, err
	}
	c.closeIdle()
	idle, err := settledRSS(ctx, p.pid())
	if err != nil {
		return row{}, err
	}

	t = time.Now()
	users := make(chan int)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for k := range errs {
		wg.Go(func() {
			for i := range users {
				if errs[k] != nil {
					continue
				}
				u := &user{name: sessionUser(i), password: sessionPassword, ip: fakeIP(1<<16 + i)}
				if err := c.signIn(ctx, u); err != nil {
					errs[k] = err
					continue
				}
				page, err := c.getOK(ctx, u, "")
				if err == nil && inboxRows(page) != sessionMessages {
					err = fmt.Errorf("inbox of %s has %d rows, want %d", u.name, inboxRows(page), sessionMessages)
				}
				errs[k] = err
			}
		})
	}
	for i := range n {
		users <- i
	}
	close(users)
	wg.Wait()
	if err := firstError(errs); err != nil {
		return row{}, err
	}
	c.closeIdle()
	fmt.Fprintf(progress, "sessions: %d signed in in %v\n", n, time.Since(t).Round(time.Millisecond))
	conns, err := gauge(ctx, c, "popgate_pop3_connections")
	if err != nil {
		return row{}, err
	}
	if int(conns) != n {
		return row{}, fmt.Errorf("popgate holds %v POP3 connections, want %d", conns, n)
	}
	full, err := settledRSS(ctx, p.pid())
	if err != nil {
		return row{}, err
	}
	per := float64(full-idle) / float64(n)
	return row{
		figure:   fmt.Sprintf("%d signed-in sessions, each with an open POP3 connection (TLS, server in another process)", n),
		measured: fmt.Sprintf("%.0f KB/session (RSS %s)", per/1024, mb(int(full))),
		floor:    fmt.Sprintf("popgate idle: RSS %s", mb(int(idle))),
		ratio:    fmt.Sprintf("%.1f", float64(full)/float64(idle)),
		target:   "<= 100 KB/session",
		met:      yes(per <= 100<<10),
	}, nil
}

// settledRSS reads pid's resident set after a second of quiet: the
// median of five readings.
func settledRSS(ctx context.Context, pid int) (int64, error) {
	var vals []int64
	for range 5 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		v, _, err := rss(pid)
		if err != nil {
			return 0, err
		}
		vals = append(vals, v)
	}
	sortInts(vals)
	return vals[len(vals)/2], nil
}

// gauge reads one unlabelled gauge from popgate's /metrics.
func gauge(ctx context.Context, c *client, name string) (float64, error) {
	body, err := c.getOK(ctx, nil, "metrics")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}
