package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

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

// gauge reads one unlabelled gauge from popgate's /metrics, served on
// its metrics listener.
func gauge(ctx context.Context, c *client, name string) (float64, error) {
	m := *c
	m.base = c.metrics
	body, err := m.getOK(ctx, nil, "metrics")
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
