package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"popgate/templates"
	"popgate/web/mailview"
)

// header returns the header block of msg, up to and with the empty line.
func header(msg []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(msg, []byte(sep)); i >= 0 {
			return msg[:i+len(sep)]
		}
	}
	return msg
}

// warmPages has every user open every inbox page once, in random order, so
// that the load finds what popgate caches already cached.
func warmPages(ctx context.Context, c *client, users []*user, pages int) error {
	var wg sync.WaitGroup
	errs := make([]error, len(users))
	for i, u := range users {
		wg.Go(func() {
			for _, p := range rand.New(rand.NewPCG(uint64(i), 1)).Perm(pages) {
				if _, err := c.getOK(ctx, u, fmt.Sprintf("?page=%d", p+1)); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return firstError(errs)
}

// inboxPage is a realistic page for the render floor: the 50 newest
// messages of the mailbox, summarized as popgate does.
func inboxPage(m *mailbox, pages int) templates.InboxPage {
	p := templates.InboxPage{
		Meta:  templates.Meta{Title: fmt.Sprintf("Inbox (%d)", m.n), Base: "/", User: "u00", Server: "127.0.0.1"},
		Total: m.n, Page: 2, Pages: pages, NewerHref: "/?page=1", OlderHref: "/?page=3",
		SnapshotText:  "as of 09:00",
		SelectAllHref: "/?page=2&select=all#messages", SelectNoneHref: "/?page=2#messages",
	}
	for i := m.n; i > m.n-50; i-- {
		msg := m.message(i)
		sum := mailview.Summarize(header(msg))
		from := sum.From.Name
		if from == "" {
			from = sum.From.Email
		}
		uid := fmt.Sprintf("%08X%08X", i, 1764000000)
		p.Rows = append(p.Rows, templates.MessageRow{
			UID: uid, Href: "/message/" + uid, From: from, FromTitle: sum.From.String(), Subject: sum.Subject,
			DateText: sum.Date.Format("Jan 2"), DateTitle: sum.Date.Format(time.RFC1123Z),
			SizeText: fmt.Sprintf("%d KB", (len(msg)+500)/1000), HasAttachment: sum.HasAttachment,
		})
	}
	return p
}

// renderFloor renders page into io.Discard from workers goroutines for d
// and returns pages per second.
func renderFloor(ctx context.Context, page templates.InboxPage, workers int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var count atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			// render, as popgate's does, into a buffer first.
			var buf bytes.Buffer
			for ctx.Err() == nil {
				buf.Reset()
				if err := templates.InboxView(page).Render(context.Background(), &buf); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				buf.WriteTo(io.Discard)
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return float64(count.Load()) / time.Since(start).Seconds(), nil
}

// nextPagesFigure loads inbox pages as all users at once, without
// compression against the template render alone, and with Accept-Encoding:
// gzip against that: two rounds each, alternating, so that a drift of the
// machine meets both alike. Compressing a page at gzip's fastest level
// adds some 15% to the CPU its serving takes, and with every user waiting
// for a page before asking for the next the p99 grows as the throughput
// falls: hence the targets.
func nextPagesFigure(ctx context.Context, w *world, c *client, progress io.Writer) ([]row, error) {
	pages := (w.cfg.Messages + 49) / 50
	t := time.Now()
	if err := warmPages(ctx, c, w.users, pages); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "pages: %d users opened all %d pages once in %v\n", len(w.users), pages, time.Since(t).Round(time.Millisecond))
	var plain, gzipped loadResult
	for round := range uint64(2) {
		plain.add(runLoad(ctx, c, w.users, pages, w.cfg.Load/2, "", 99+2*round))
		gzipped.add(runLoad(ctx, c, w.users, pages, w.cfg.Load/2, "gzip", 100+2*round))
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, res := range []loadResult{plain, gzipped} {
		if res.errors > 0 {
			return nil, fmt.Errorf("%d of %d inbox requests failed, first: %v", res.errors, res.errors+res.requests, res.firstErr)
		}
	}
	floor, err := renderFloor(ctx, inboxPage(w.mail, pages), len(w.users), min(w.cfg.Load, 3*time.Second))
	if err != nil {
		return nil, err
	}
	got, p99 := plain.perSecond(), percentile(plain.lat, 99)
	gz, gzP99 := gzipped.perSecond(), percentile(gzipped.lat, 99)
	return []row{{
		figure: fmt.Sprintf("next inbox pages, %d signed-in users at once (random page of %d, %s in two rounds, no Accept-Encoding)", len(w.users), pages, w.cfg.Load),
		measured: fmt.Sprintf("%.0f pages/s, p50 %s, p99 %s (n=%d)", got, ms(percentile(plain.lat, 50)), ms(p99),
			plain.requests),
		floor:  fmt.Sprintf("%.0f pages/s: InboxView render alone, %d goroutines", floor, len(w.users)),
		ratio:  fmt.Sprintf("%.2f", got/floor),
		target: ">= 5,000 pages/s; p99 <= 20 ms",
		met:    yes(got >= 5000 && p99 <= 20*time.Millisecond),
	}, {
		figure: fmt.Sprintf("the same with Accept-Encoding: gzip (%s in two rounds, alternating with the above; bodies read as sent)", w.cfg.Load),
		measured: fmt.Sprintf("%.0f pages/s, p50 %s, p99 %s (n=%d)", gz, ms(percentile(gzipped.lat, 50)), ms(gzP99),
			gzipped.requests),
		floor:  fmt.Sprintf("%.0f pages/s, p99 %s: the load above, uncompressed", got, ms(p99)),
		ratio:  fmt.Sprintf("%.2f", gz/got),
		target: "ratio >= 0.8; p99 <= 1.25x uncompressed",
		met:    yes(gz >= 0.8*got && float64(gzP99) <= 1.25*float64(p99)),
	}}, nil
}
