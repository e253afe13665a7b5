package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"popgate/pop3/pop3test"
)

// TestLoginWhileSignedIn: the sign-in page of a browser that is signed in
// says as whom, and offers the inbox or signing in as someone else,
// rather than sending it to an inbox that may not be its user's.
func TestLoginWhileSignedIn(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw")
	_, ts, c := signedInApp(t, srv)
	resp, body := get(t, c, ts.URL+"/login")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login while signed in = %d (Location %q), want 200", resp.StatusCode, resp.Header.Get("Location"))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	who := doc.Find(`[data-testid="signed-in-as"]`).Text()
	if !strings.Contains(who, "alice") || !strings.Contains(who, "Test") {
		t.Errorf("signed-in notice = %q, want the user alice and the server Test", who)
	}
	if href, _ := doc.Find(`main a[data-testid="go-to-inbox"]`).Attr("href"); href != "/" {
		t.Errorf("Go to inbox link = %q, want /", href)
	}
	form := doc.Find(`main form[method="post"][data-testid="switch-account"]`)
	if action, _ := form.Attr("action"); action != "/login/switch" || form.Find(`button[type="submit"]`).Length() != 1 {
		t.Errorf("no sign-in-as-someone-else form posting to /login/switch: %q", action)
	}
	if doc.Find(`#password`).Length() != 0 {
		t.Errorf("the sign-in form is shown to a signed-in browser beside the choice")
	}
}

// TestSwitchAccount: signing in as someone else signs the session out,
// committing its deletions, and shows the sign-in form; a forged POST from
// another site does nothing.
func TestSwitchAccount(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	srv.AddMailbox("alice", "pw", []byte("Subject: gone\r\n\r\ngone\r\n"), []byte("Subject: keep\r\n\r\nkeep\r\n"))
	_, ts, c := signedInApp(t, srv)
	own := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	cross := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	if code := post(t, c, ts.URL+"/message/"+srv.UIDs("alice")[0]+"/delete", own); code != http.StatusSeeOther {
		t.Fatalf("delete = %d, want 303", code)
	}

	if code := post(t, c, ts.URL+"/login/switch", cross); code != http.StatusForbidden {
		t.Errorf("cross-site POST /login/switch = %d, want 403", code)
	}
	if resp, _ := get(t, c, ts.URL+"/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a cross-site POST /login/switch the inbox = %d, want 200 (still signed in)", resp.StatusCode)
	}

	req, _ := http.NewRequest("POST", ts.URL+"/login/switch", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/login" {
		t.Fatalf("POST /login/switch = %d to %v, want 303 to /login", resp.StatusCode, loc)
	}
	if got := srv.Mailbox("alice"); len(got) != 1 || !strings.Contains(string(got[0]), "keep") {
		t.Errorf("server holds %d messages after signing in as someone else, want only the kept one", len(got))
	}
	resp, body := get(t, c, loc.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="password"`) || strings.Contains(body, `data-testid="account"`) {
		t.Errorf("GET %s = %d, want the sign-in form and no account:\n%s", loc, resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("inbox after signing in as someone else = %d, want 303 to sign in", resp.StatusCode)
	}
}
