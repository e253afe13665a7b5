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

// TestParseEnvelope: encoded words are decoded in any character set, not
// only UTF-8 and Latin-1, so that the index neither shows
// "=?KOI8-R?B?...?=" in the inbox nor misses it in a search; To holds
// the To and Cc recipients for Search.
func TestParseEnvelope(t *testing.T) {
	e := ParseEnvelope([]byte("From: =?GB2312?B?s8LP/tPq?= <chen@example.cn>\r\n" +
		"To: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.de>\r\n" +
		"Cc: Ann <ann@example.org>\r\n" +
		"Subject: =?KOI8-R?B?8NLJ18XU?= =?UTF-8?Q?=E2=9C=93?=\r\n" +
		"Date: Fri, 13 Nov 2026 09:30:00 +0300\r\n" +
		"Content-Type: multipart/mixed; boundary=x\r\n\r\n"))
	want := session.Envelope{
		FromName: "陈晓雨", FromAddr: "chen@example.cn", FromText: "陈晓雨",
		To:            "Jörg joerg@example.de, Ann ann@example.org",
		Subject:       "Привет✓",
		Date:          time.Date(2026, 11, 13, 9, 30, 0, 0, time.FixedZone("", 3*3600)),
		HasAttachment: true,
	}
	if !e.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", e.Date, want.Date)
	}
	e.Date, want.Date = time.Time{}, time.Time{}
	if e != want {
		t.Errorf("ParseEnvelope() =\n %+v, want\n %+v", e, want)
	}
}
