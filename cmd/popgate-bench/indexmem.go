package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// indexMemoryFigure runs a popgate of its own against Dovecot, signs every
// user in, has each open the first inbox page and waits until every
// user's header index is complete; it reads popgate's resident memory
// Settle later and SignOutWait after all of them signed out, each next to
// the same process idle before the first sign-in. The users first sign out of the
// world's popgate (main, through c): Dovecot serves 100 TLS connections at
// most, and that popgate's indexers would compete for the processors.
func indexMemoryFigure(ctx context.Context, w *world, main *client, progress io.Writer) (signedIn, signedOut row, err error) {
	if err := eachUser(w.users, 8, func(u *user) error { return main.signOut(ctx, u) }); err != nil {
		return row{}, row{}, err
	}
	main.closeIdle()
	p, err := startPopgate(ctx, w.popgateBin, w.dir, "popgate-index", map[string]string{
		"POPGATE_SERVERS":         "pop3s://" + w.dove.TLSAddr(),
		"POPGATE_CA_FILE":         w.dove.CAFile(),
		"POPGATE_SESSION_KEY":     randomKey(),
		"POPGATE_TRUSTED_PROXIES": "127.0.0.1",
	})
	if err != nil {
		return row{}, row{}, err
	}
	defer p.stop(10 * time.Second)
	c := newClient(p, len(w.users)+4)
	if _, err := c.getOK(ctx, nil, "login"); err != nil {
		return row{}, row{}, err
	}
	c.closeIdle()
	idle, err := settledRSS(ctx, p.pid())
	if err != nil {
		return row{}, row{}, err
	}

	// Users of this popgate: the world's accounts with cookies of their own.
	users := make([]*user, len(w.users))
	for i, u := range w.users {
		users[i] = &user{name: u.name, password: u.password, ip: u.ip}
	}
	t := time.Now()
	err = eachUser(users, 8, func(u *user) error {
		if err := c.signIn(ctx, u); err != nil {
			return err
		}
		_, err := c.getOK(ctx, u, "")
		return err
	})
	if err != nil {
		return row{}, row{}, err
	}
	if err := waitIndexes(ctx, c, users, indexTimeout); err != nil {
		return row{}, row{}, err
	}
	c.closeIdle()
	fmt.Fprintf(progress, "index-memory: %d users signed in and their indexes complete in %v\n", len(users), time.Since(t).Round(time.Millisecond))
	// popgate hands the garbage of building the indexes back to the
	// system a few seconds after the last one completes.
	if err := sleep(ctx, w.cfg.Settle); err != nil {
		return row{}, row{}, err
	}
	full, err := settledRSS(ctx, p.pid())
	if err != nil {
		return row{}, row{}, err
	}
	held, _ := gauge(ctx, c, "popgate_index_bytes")

	if err := eachUser(users, 8, func(u *user) error { return c.signOut(ctx, u) }); err != nil {
		return row{}, row{}, err
	}
	c.closeIdle()
	if err := sleep(ctx, w.cfg.SignOutWait); err != nil {
		return row{}, row{}, err
	}
	after, err := settledRSS(ctx, p.pid())
	if err != nil {
		return row{}, row{}, err
	}

	n := len(users)
	budget := 3*idle/2 + int64(n)*(3<<20)/2
	per := float64(full-idle) / float64(n)
	indexNote := ""
	if held > 0 {
		indexNote = fmt.Sprintf("; the indexes hold %s, %.0f B/message", mb(int(held)), held/float64(n*w.cfg.Messages))
	}
	signedIn = row{
		figure:   fmt.Sprintf("%d signed-in users, each with a complete index of %d messages", n, w.cfg.Messages),
		measured: fmt.Sprintf("RSS %s, %s per user above idle%s", mb(int(full)), mb(int(per)), indexNote),
		floor:    fmt.Sprintf("the same popgate idle: RSS %s", mb(int(idle))),
		ratio:    fmt.Sprintf("%.1f", float64(full)/float64(idle)),
		target:   fmt.Sprintf("<= 1.5 x idle + %d x 1.5 MiB (%s)", n, mb(int(budget))),
		met:      yes(full <= budget),
	}
	signedOut = row{
		figure:   fmt.Sprintf("%v after those %d users signed out", w.cfg.SignOutWait, n),
		measured: fmt.Sprintf("RSS %s", mb(int(after))),
		floor:    fmt.Sprintf("the same popgate idle: RSS %s", mb(int(idle))),
		ratio:    fmt.Sprintf("%.2f", float64(after)/float64(idle)),
		target:   "<= 1.25 x idle",
		met:      yes(after*4 <= idle*5),
	}
	return signedIn, signedOut, nil
}

// indexTimeout bounds the wait for an index to complete.
const indexTimeout = 5 * time.Minute

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// waitIndexes waits until the search page of every user no longer says
// that the index is incomplete.
func waitIndexes(ctx context.Context, c *client, users []*user, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	left := users
	for len(left) > 0 {
		var still []*user
		for _, u := range left {
			page, err := c.getOK(ctx, u, "search?q=x")
			if err != nil {
				return err
			}
			if bytes.Contains(page, searchProgress) {
				still = append(still, u)
			}
		}
		if left = still; len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d indexes still incomplete after %v", len(left), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil
}

// eachUser runs f for every user, workers at a time, and returns the first
// error.
func eachUser(users []*user, workers int, f func(u *user) error) error {
	next := make(chan *user)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range errs {
		wg.Go(func() {
			for u := range next {
				if errs[k] == nil {
					errs[k] = f(u)
				}
			}
		})
	}
	for _, u := range users {
		next <- u
	}
	close(next)
	wg.Wait()
	return firstError(errs)
}
