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
		measured: fmt.Sprintf("%.0f MB/s (median of %d); RSS grew by %s at most (peak over the RSS before each download)", g/1e6, runs, mb(int(growth))),
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
