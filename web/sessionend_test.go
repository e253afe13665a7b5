package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// endMessages is the size of each mailbox of TestSessionEndReleasesMemory:
// large enough that a session's listing and read view weigh megabytes.
const endMessages = 50_000

// endHeapMargin is how far above the baseline the live heap may stay once
// every session has ended: a small part of what the sessions held.
const endHeapMargin = 4 << 20

// endClock is a session.Config.Now that the test moves by hand.
type endClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *endClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *endClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// endMsg is message i of a large mailbox: small, and in HTML for the
// newest, which the test opens to fill the body cache.
func endMsg(i int) []byte {
	if i == endMessages {
		return fmt.Appendf(nil, "From: a%d@example.org\r\nSubject: m%d\r\nContent-Type: text/html\r\n\r\n<p>Body %d</p>\r\n", i, i, i)
	}
	return fmt.Appendf(nil, "From: a%d@example.org\r\nSubject: m%d\r\n\r\nBody %d\r\n", i, i, i)
}

// liveHeap returns the live heap after garbage collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSessionEndReleasesMemory signs in sessions on large mailboxes, has
// each load its inbox (the listing, the read view, the header index) and
// open a message (the body cache), and ends them each way a session ends:
// sign-out, idle expiry, the takeover by a new sign-in of the same
// account, and shutdown. Each way must leave no read view and no cached
// body behind, and once all have ended the live heap must be back near
// where it was before the first sign-in.
func TestSessionEndReleasesMemory(t *testing.T) {
	users := []string{"out", "idle", "taken", "closed"}
	srv := pop3test.NewServer(t, &pop3test.Options{MaxRecordedCommands: -1})
	msgs := make([][]byte, endMessages)
	for i := range msgs {
		msgs[i] = endMsg(i + 1)
	}
	for _, u := range users {
		srv.AddMailbox(u, "pw", msgs...)
	}
	msgs = nil
	clock := &endClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	// The reaper looks every 10 ms; only the hand-moved clock expires
	// sessions. The inbox pages index their own rows; the background
	// indexer, which would fetch every header under the race detector for
	// long seconds, is session's to test.
	m := session.NewManager(session.Config{
		IdleTimeout: 40 * time.Millisecond,
		NoIndex:     true,
		Now:         clock.Now,
		Logger:      slog.New(slog.DiscardHandler),
		Envelope:    web.ParseEnvelope,
	})
	t.Cleanup(func() { m.Close(context.Background()) })
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	h := web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: slog.New(slog.DiscardHandler)}, m)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	app := ts.URL + "/"

	baseline := liveHeap()

	// signIn signs user in on a new client, opens the newest message and
	// loads the inbox (opening a message drops the read view).
	signIn := func(user string) *http.Client {
		t.Helper()
		c := noRedirects()
		c.Jar = newJar()
		if resp := postLogin(t, c, app, url.Values{"username": {user}, "password": {"pw"}}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login as %s = %d, want 303", user, resp.StatusCode)
		}
		newest := srv.UIDs(user)[endMessages-1]
		if resp, _ := get(t, c, app+"message/"+newest); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /message/%s as %s = %d, want 200", newest, user, resp.StatusCode)
		}
		if resp, _ := get(t, c, app); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / as %s = %d, want 200", user, resp.StatusCode)
		}
		return c
	}
	// sessions waits for the Manager to count want sessions: expiry and
	// the indexers end in the background.
	sessions := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); m.Stats().Sessions != want; {
			if time.Now().After(deadline) {
				t.Fatalf("Stats().Sessions = %d, want %d", m.Stats().Sessions, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	check := func(way string, live int) {
		t.Helper()
		if got := web.ReadViews(h); got != live {
			t.Errorf("after %s: read views kept = %d, want %d", way, got, live)
		}
		if got := web.CachedBodies(h); got != live {
			t.Errorf("after %s: cached bodies = %d, want %d", way, got, live)
		}
	}

	// Idle expiry first, alone: moving the clock expires every session.
	signIn("idle")
	check("the sign-in", 1)
	clock.Advance(time.Hour)
	sessions(0)
	check("idle expiry", 0)

	out := signIn("out")
	signIn("taken")
	signIn("closed")
	held := liveHeap()
	check("the sign-ins", 3)

	if code := post(t, out, app+"logout", nil); code != http.StatusOK {
		t.Fatalf("POST /logout = %d, want 200", code)
	}
	check("sign-out", 2)

	c := noRedirects()
	c.Jar = newJar()
	if resp := postLogin(t, c, app, url.Values{"username": {"taken"}, "password": {"pw"}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login taking over = %d, want 303", resp.StatusCode)
	}
	check("the takeover", 1) // the new session has no read view yet

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	check("shutdown", 0)
	sessions(0)

	for deadline := time.Now().Add(5 * time.Second); srv.ActiveConns() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("POP3 connections still open = %d, want 0", srv.ActiveConns())
		}
		time.Sleep(5 * time.Millisecond)
	}
	after := liveHeap()
	t.Logf("live heap: %.1f MiB before sign-in, %.1f MiB with 3 sessions of %d messages, %.1f MiB after they ended",
		mib(baseline), mib(held), endMessages, mib(after))
	if after > baseline+endHeapMargin {
		t.Errorf("live heap after every session ended = %.1f MiB, want at most %.1f MiB (baseline %.1f MiB + %.1f MiB)",
			mib(after), mib(baseline+endHeapMargin), mib(baseline), mib(endHeapMargin))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
