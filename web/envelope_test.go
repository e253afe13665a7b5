package web

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/session"
	"popgate/web/mailview"
)

// TestInboxRowsFromIndex: inbox rows built from the header index read the
// same as rows built by parsing the header, for the demo mailbox's
// varied charsets, names and dates.
func TestInboxRowsFromIndex(t *testing.T) {
	files, err := filepath.Glob("../cmd/popgate/demo/mail/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("demo mail: %v", err)
	}
	srv := pop3test.NewServer(t, nil)
	var msgs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	srv.AddMailbox("alice", "pw", msgs...)
	m := session.NewManager(session.Config{Logger: slog.New(slog.DiscardHandler), Envelope: ParseEnvelope, NoIndex: true})
	t.Cleanup(func() { m.Close(t.Context()) })
	up := session.Upstream{ID: "0", Addr: srv.Addr(), Options: pop3.Options{Security: pop3.SecurityNone}}
	sess, err := m.Login(context.Background(), up, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	uids := srv.UIDs("alice")
	if _, err := sess.Envelopes(context.Background(), uids); err != nil { // fetched and indexed
		t.Fatal(err)
	}
	envs, err := sess.Envelopes(context.Background(), uids) // from the index
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.Local)
	for i, raw := range msgs {
		want := mailview.Summarize(raw) // it reads the header only
		got := summaryOf(envs[i])
		for _, c := range []struct{ what, got, want string }{
			{"From", displayName(got), displayName(want)},
			{"FromTitle", got.From.String(), want.From.String()},
			{"Subject", got.Subject, want.Subject},
			{"DateText", shortDate(got.Date, now), shortDate(want.Date, now)},
			{"DateTitle", fullDate(got.Date), fullDate(want.Date)},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s from the index = %q, parsed = %q", filepath.Base(files[i]), c.what, c.got, c.want)
			}
		}
		if got.HasAttachment != want.HasAttachment {
			t.Errorf("%s: HasAttachment from the index = %t, parsed = %t", filepath.Base(files[i]), got.HasAttachment, want.HasAttachment)
		}
	}
}
