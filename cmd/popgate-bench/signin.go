package main

import (
	"context"
	"fmt"
	"io"
	"time"
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

// signInAll signs every user in without measuring, for a run (-only) that
// leaves the sign-in figure out.
func signInAll(ctx context.Context, c *client, users []*user) error {
	for _, u := range users {
		if err := c.signIn(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
