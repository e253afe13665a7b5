package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web"
)

// BenchmarkSignIn signs in to a 10,000-message mailbox and loads the
// first inbox page, then signs out: popgate-bench's sign-in figure in
// process. "pop3" is its floor, the same POP3 work done directly: dial,
// sign in, UIDL, LIST and the 50 newest headers with one pipelined TOP.
func BenchmarkSignIn(b *testing.B) {
	const n = 10000
	srv := pop3test.NewServer(b, &pop3test.Options{MaxRecordedCommands: -1})
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		msgs = append(msgs, searchMsg(i))
	}
	srv.AddMailbox("alice", "pw", msgs...)
	up := session.Upstream{ID: "0", Label: "Test", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}

	b.Run("popgate", func(b *testing.B) {
		logger := slog.New(slog.DiscardHandler)
		m := session.NewManager(session.Config{Logger: logger, Envelope: web.ParseEnvelope})
		defer m.Close(context.Background())
		h := web.NewServer(web.Config{Upstreams: []session.Upstream{up}, Logger: logger, SignInsPerIP: 1 << 30,
			SignInsPerAccount: 1 << 30, Metrics: web.NewMetrics(m.Stats)}, m)
		form := url.Values{"username": {"alice"}, "password": {"pw"}}.Encode()
		for b.Loop() {
			r := httptest.NewRequest("POST", "/login", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusSeeOther {
				b.Fatalf("POST /login = %d", w.Code)
			}
			get := httptest.NewRequest("GET", w.Header().Get("Location"), nil)
			for _, ck := range w.Result().Cookies() {
				get.AddCookie(ck)
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, get)
			if w.Code != http.StatusOK {
				b.Fatalf("GET / = %d", w.Code)
			}
			out := httptest.NewRequest("POST", "/logout", nil)
			for _, ck := range get.Cookies() {
				out.AddCookie(ck)
			}
			h.ServeHTTP(httptest.NewRecorder(), out)
		}
	})
	b.Run("pop3", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			c, err := pop3.Dial(ctx, up.Addr, &up.Options)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Login(ctx, "alice", "pw"); err != nil {
				b.Fatal(err)
			}
			if _, _, err := c.UniqueIDs(ctx); err != nil {
				b.Fatal(err)
			}
			list, err := c.List(ctx)
			if err != nil {
				b.Fatal(err)
			}
			var nums []int
			for i := len(list); i > len(list)-50; i-- {
				nums = append(nums, i)
			}
			err = c.TopMany(ctx, nums, 0, func(_ int, r io.Reader, err error) error {
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, r)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Quit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
