package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"popgate/pop3/pop3test"
)

// TestReadStateSurvivesRestart: with POPGATE_DATA_DIR, a message opened
// before a restart is still read after it, and the directory is private.
func TestReadStateSurvivesRestart(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", journeyMessages()[:3]...)
	dir := filepath.Join(t.TempDir(), "data")
	env := []string{"POPGATE_SERVERS=Test=pop3+insecure://" + srv.Addr(), "POPGATE_DATA_DIR=" + dir}
	uid := srv.UIDs("alice")[1]

	m := startMain(t, env...)
	b := newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
	b.get(messagePath(uid), http.StatusOK)
	b.post("logout", nil, http.StatusOK)
	if err := m.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, %v, want mode 0700", fi, err)
	}

	m = startMain(t, env...)
	b = newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
	_, data := b.get("", http.StatusOK)
	doc := page(t, data)
	if got := doc.Find(`[data-testid="message-row"][data-uid="` + uid + `"] [data-testid="unread"]`).Length(); got != 0 {
		t.Errorf("message read before the restart shows as unread after it")
	}
	if got := doc.Find(`[data-testid="unread"]`).Length(); got != 2 {
		t.Errorf("unread markers = %d, want 2", got)
	}
	if title := doc.Find("title").Text(); title != "Inbox (2 unread) — popgate" {
		t.Errorf("title = %q, want Inbox (2 unread) — popgate", title)
	}
}
