package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// TestBusySession: while a download holds the session (here one whose
// server never answers), another request of the same user waits for its
// turn only until its own deadline, then says the mailbox is busy instead
// of hanging or blaming the mail server.
func TestBusySession(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", hostileMessage)
	h, ts, c := signedInApp(t, srv)
	uid := srv.UIDs("alice")[0]
	srv.AddFault(pop3test.Fault{Command: "RETR", Action: pop3test.FaultStall})
	download, cancelDownload := context.WithCancel(context.Background())
	downloaded := make(chan struct{})
	go func() {
		defer close(downloaded)
		req, _ := http.NewRequestWithContext(download, "GET", ts.URL+"/message/"+uid+"/raw", nil)
		if resp, err := c.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	defer func() { cancelDownload(); <-downloaded }()
	for deadline := time.Now().Add(10 * time.Second); srv.PendingFaults() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the download's RETR never reached the server")
		}
	}

	// The inbox request's deadline has passed: it must not wait at all.
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", ts.URL+"/", nil)
	u, _ := url.Parse(ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "busy with another of your requests") {
		t.Errorf("inbox while a download holds the session = %d, want 503 saying the mailbox is busy:\n%s", rec.Code, rec.Body.String())
	}

	// Opening a message meets the same wait; Try again opens it again.
	req = httptest.NewRequestWithContext(ctx, "GET", ts.URL+"/message/"+uid, nil)
	for _, ck := range c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if want := `href="/message/` + uid + `" data-testid="retry"`; rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("message while a download holds the session = %d, want 503 with %s:\n%s", rec.Code, want, rec.Body.String())
	}
}
