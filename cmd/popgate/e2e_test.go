package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"popgate/internal/corpus"
	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/pop3/pop3test/dovecot"
	"popgate/web/mailview"
)

// journeyMessages is the mailbox of the journey: 60 short messages and,
// newest, one with a known attachment.
func journeyMessages() [][]byte {
	var msgs [][]byte
	for i := 1; i <= 60; i++ {
		msgs = append(msgs, []byte(fmt.Sprintf("From: Sender %d <s%d@example.test>\r\nSubject: Message %d\r\nDate: Mon, 2 Nov 2026 10:%02d:00 +0000\r\n\r\nBody %d\r\n", i, i, i, i%60, i)))
	}
	return append(msgs, attachmentMessage)
}

// TestJourneyDovecot walks the journey against a real Dovecot over
// implicit TLS, trusting its CA through POPGATE_CA_FILE.
func TestJourneyDovecot(t *testing.T) {
	msgs := journeyMessages()
	srv := dovecot.Start(t, dovecot.Options{Users: map[string][][]byte{"alice": msgs}})
	_, port, _ := strings.Cut(srv.TLSAddr(), ":")
	m := startMain(t, "POPGATE_SERVERS=Dovecot=pop3s://localhost:"+port, "POPGATE_CA_FILE="+srv.CAFile())
	mailbox := func() [][]byte {
		var out [][]byte
		for _, f := range srv.MaildirFiles("alice") {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, data)
		}
		return out
	}
	journey(t, newBrowser(t, m.URL()), "alice", srv.Password("alice"), mailbox, len(msgs))
}

// TestCorpusThroughWeb opens every message of the corpus through the
// app: each page answers 200 with its decoded subject, and each source
// downloads byte for byte as the server sends it.
func TestCorpusThroughWeb(t *testing.T) {
	corpus := loadCorpus(t)
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("corpus", "pw", corpus...)
	m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
	b := newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"corpus"}, "password": {"pw"}}, http.StatusSeeOther)
	uids := srv.UIDs("corpus")
	stored := srv.Mailbox("corpus")
	if len(uids) != len(corpus) {
		t.Fatalf("server lists %d messages, want %d", len(uids), len(corpus))
	}
	for i, uid := range uids {
		resp, data := b.do("GET", messagePath(uid), nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("message %d: GET = %d\n%s", i+1, resp.StatusCode, excerpt(data))
			continue
		}
		want, err := mailview.Parse(bytes.NewReader(stored[i]), mailview.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(page(t, data).Find(`[data-testid="subject"]`).Text())
		if want.Subject != "" && got != strings.TrimSpace(want.Subject) {
			t.Errorf("message %d: subject %q, want %q", i+1, got, want.Subject)
		}
		if want.HTML != "" {
			b.get(messagePath(uid)+"/body", http.StatusOK)
		}
		_, raw := b.get(messagePath(uid)+"/raw", http.StatusOK)
		if !bytes.Equal(raw, withFinalCRLF(stored[i])) {
			t.Errorf("message %d: source differs from the stored message", i+1)
		}
	}
}

// withFinalCRLF is what RETR sends for a stored message.
func withFinalCRLF(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\n")) {
		return b
	}
	return append(append([]byte{}, b...), "\r\n"...)
}

// loadCorpus returns the messages of the repository's testdata/corpus that
// its index lists, sorted by path. The corpus is part of the repository,
// so a missing one fails the test.
func loadCorpus(t testing.TB) [][]byte {
	t.Helper()
	msgs, err := corpus.Load(filepath.Join("..", "..", "testdata", "corpus"))
	if err != nil {
		t.Fatalf("corpus not readable (testdata/corpus in the repository): %v", err)
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = m.Data
	}
	return out
}

// TestSignInErrors: each refusal reads as something the user can act on.
func TestSignInErrors(t *testing.T) {
	tests := []struct {
		name   string
		opts   pop3test.Options
		setup  func(t *testing.T, srv *pop3test.Server)
		status int
		want   string
	}{
		{name: "wrong password", status: http.StatusUnauthorized, want: "Wrong user name or password"},
		{name: "mailbox open elsewhere", status: http.StatusConflict, want: "open in another mail program", setup: func(t *testing.T, srv *pop3test.Server) {
			c, err := pop3.Dial(t.Context(), srv.Addr(), &pop3.Options{Security: pop3.SecurityNone})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if err := c.Login(t.Context(), "alice", "pw"); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "server stalls", status: http.StatusServiceUnavailable, want: "not answering", setup: func(t *testing.T, srv *pop3test.Server) {
			srv.SetFault(pop3test.Fault{Command: pop3test.CommandConnect, Action: pop3test.FaultStall})
		}},
		{name: "temporary failure", status: http.StatusServiceUnavailable, want: "not answering", setup: func(t *testing.T, srv *pop3test.Server) {
			srv.SetFault(pop3test.Fault{Command: "AUTH", Action: pop3test.FaultTempError})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			srv := pop3test.NewServer(t, &opts)
			srv.AddMailbox("alice", "pw", []byte("Subject: x\r\n\r\nx\r\n"))
			password := "pw"
			if tc.name == "wrong password" {
				password = "nope"
			}
			if tc.setup != nil {
				tc.setup(t, srv)
			}
			m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
			b := newBrowser(t, m.URL())
			b.c.Timeout = 90 * time.Second
			_, data := b.post("login", url.Values{"username": {"alice"}, "password": {password}}, tc.status)
			if !bytes.Contains(data, []byte(tc.want)) {
				t.Errorf("page lacks %q:\n%s", tc.want, excerpt(data))
			}
			if bytes.Contains(data, []byte("pop3:")) || bytes.Contains(data, []byte("-ERR")) {
				t.Errorf("page shows internal error text:\n%s", excerpt(data))
			}
		})
	}
}

// TestLoginDelay: a server with LOGIN-DELAY is not dialled again too soon.
func TestLoginDelay(t *testing.T) {
	srv := pop3test.NewServer(t, &pop3test.Options{LoginDelay: time.Hour})
	srv.AddMailbox("alice", "pw", []byte("Subject: x\r\n\r\nx\r\n"))
	m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
	b := newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
	b.post("logout", nil, http.StatusOK)
	_, data := b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusTooManyRequests)
	if !bytes.Contains(data, []byte("one sign-in every")) {
		t.Errorf("page lacks the LOGIN-DELAY explanation:\n%s", excerpt(data))
	}
}

// TestDeletionSurvivesDrops drops the POP3 connection before, during and
// after a DELE: the deletion still holds, and sign-out removes exactly it.
func TestDeletionSurvivesDrops(t *testing.T) {
	for _, tc := range []struct {
		name          string
		duringDelete  *pop3test.Fault // fires on the DELE itself
		afterDeletion bool            // the next command after DELE drops
	}{
		{name: "before DELE", duringDelete: &pop3test.Fault{Command: "DELE", Action: pop3test.FaultDrop}},
		{name: "during DELE", duringDelete: &pop3test.Fault{Command: "DELE", Action: pop3test.FaultDropMidResponse}},
		{name: "after DELE", afterDeletion: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := pop3test.NewServer(t, nil)
			srv.AddMailbox("alice", "pw", journeyMessages()[:5]...)
			m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
			b := newBrowser(t, m.URL())
			b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
			_, data := b.get("", http.StatusOK)
			uids := inboxUIDs(t, data)
			if tc.duringDelete != nil {
				srv.SetFault(*tc.duringDelete)
			}
			resp, _ := b.do("POST", messagePath(uids[0])+"/delete", url.Values{}, nil)
			if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("delete = %d", resp.StatusCode)
			}
			if tc.afterDeletion {
				// Any command drops the connection: reading another message.
				srv.SetFault(pop3test.Fault{Action: pop3test.FaultDrop})
				b.do("GET", messagePath(uids[1])+"/raw", nil, nil)
			}
			if n := srv.PendingFaults(); n != 0 {
				t.Fatalf("the fault never fired (%d pending)", n)
			}
			_, data = b.get("", http.StatusOK)
			if got := inboxUIDs(t, data); len(got) != 4 || got[0] == uids[0] {
				t.Errorf("after the drop the inbox lists %v, want %s gone", got, uids[0])
			}
			if got := len(srv.Mailbox("alice")); got != 5 {
				t.Errorf("server holds %d messages before sign-out, want 5", got)
			}
			_, data = b.post("logout", nil, http.StatusOK)
			left := srv.Mailbox("alice")
			if len(left) != 4 || bytes.Contains(bytes.Join(left, nil), []byte("Subject: Message 5\r\n")) {
				t.Errorf("after sign-out the server holds %d messages, want the 4 not deleted\n%s", len(left), excerpt(data))
			}
			if srv.ConnCount() < 2 {
				t.Errorf("no reconnect happened (%d connections)", srv.ConnCount())
			}
		})
	}
}

// TestTwoTabs hits one session from several tabs at once: every request is
// answered properly and the protocol never desynchronises.
func TestTwoTabs(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", journeyMessages()...)
	m := startMain(t, "POPGATE_SERVERS=pop3+insecure://"+srv.Addr())
	b := newBrowser(t, m.URL())
	b.post("login", url.Values{"username": {"alice"}, "password": {"pw"}}, http.StatusSeeOther)
	_, data := b.get("", http.StatusOK)
	uids := inboxUIDs(t, data)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for tab := 0; tab < 4; tab++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				for _, path := range []string{"", messagePath(uids[(tab*10+i)%len(uids)]), messagePath(uids[0]) + "/raw", "?page=2"} {
					resp, body := b.do("GET", path, nil, nil)
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Sprintf("GET %s = %d: %s", path, resp.StatusCode, excerpt(body))
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := srv.ConnCount(); got != 1 {
		t.Errorf("the session used %d POP3 connections, want 1", got)
	}
}

// TestDemo is a newcomer's first run: --demo, sign in as demo/demo, read,
// delete, undo, delete, sign out; then the mailbox is refilled for the next
// visitor once nobody is signed in.
func TestDemo(t *testing.T) {
	m := startMain(t, "POPGATE_DEMO=1")
	b := newBrowser(t, m.URL())
	_, data := b.get("login", http.StatusOK)
	if !bytes.Contains(data, []byte("demo")) {
		t.Errorf("sign-in page does not mention the demo account")
	}
	b.post("login", url.Values{"username": {"demo"}, "password": {"demo"}}, http.StatusSeeOther)
	_, data = b.get("", http.StatusOK)
	uids := inboxUIDs(t, data)
	if len(uids) != 30 {
		t.Fatalf("demo inbox lists %d messages, want 30", len(uids))
	}
	for _, uid := range uids {
		b.get(messagePath(uid), http.StatusOK)
	}
	b.post(messagePath(uids[0])+"/delete", nil, http.StatusSeeOther)
	if m.restoreDemoIfIdle() {
		t.Errorf("demo mailbox restored while someone is signed in")
	}
	b.post("undo", nil, http.StatusSeeOther)
	b.post(messagePath(uids[1])+"/delete", nil, http.StatusSeeOther)
	_, data = b.post("logout", nil, http.StatusOK)
	if !bytes.Contains(data, []byte("1 message was deleted")) {
		t.Errorf("sign-out page:\n%s", excerpt(data))
	}
	if got := len(m.Demo.Mailbox("demo")); got != 29 {
		t.Errorf("demo mailbox holds %d after sign-out, want 29", got)
	}
	if !m.restoreDemoIfIdle() || len(m.Demo.Mailbox("demo")) != 30 {
		t.Errorf("demo mailbox not restored once nobody was signed in")
	}
}
