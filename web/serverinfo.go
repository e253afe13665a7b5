package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"popgate/pop3"
	"popgate/templates"
)

// handleServerInfo handles GET /server: what the account's server supports
// (its CAPA, RFC 2449), in plain words, with a warning when it may delete
// mail once read.
func (s *Server) handleServerInfo(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r)
	if _, err := sess.Messages(r.Context()); err != nil {
		// Capabilities are those of the current connection: make sure
		// there is one, as any page does.
		s.renderError(w, r, err)
		return
	}
	view, err := sess.View(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	up := sess.Upstream()
	p := serverPage(view.Capabilities)
	p.Connection = connectionWords(up.Options.Security)
	p.Meta = s.meta(r, "Mail server")
	p.Label = up.Label
	p.Address = up.Addr
	p.SyntheticIDs = view.SyntheticIDs
	s.render(w, r, http.StatusOK, templates.ServerView(p))
}

// capabilityWords describes the capabilities popgate knows, in the order
// shown: what it means for the user when the server has it.
// Those marked auth are often listed only before sign-in (RFC 2449 lets
// servers change the list after it), so their absence says little.
var capabilityWords = []struct {
	tag, yes, no string
	auth         bool
}{
	{"UIDL", "Gives every message a permanent id, so popgate recognizes messages across sign-ins and remembers which ones you read.",
		"Gives messages no permanent id: popgate identifies them by their headers instead.", false},
	{"TOP", "Sends just the headers of a message, so the inbox lists quickly without downloading whole messages.",
		"Cannot send headers alone: listing the inbox downloads more.", false},
	{"PIPELINING", "Accepts several commands at once, so long inboxes load faster.", "Takes one command at a time.", false},
	{"RESP-CODES", "Explains its errors with codes, so popgate can tell you why something failed (for example that another program has the mailbox open).",
		"Gives errors without codes: popgate can only say that something failed.", false},
	{"AUTH-RESP-CODE", "Tells a wrong password apart from a problem on its side.", "Does not say why a sign-in failed.", false},
	{"STLS", "Can switch a connection to encryption (STARTTLS).", "Not listed after sign-in; many servers list it only before.", true},
	{"USER", "Accepts sign-in with a user name and password.", "Not listed after sign-in; many servers list it only before.", true},
	{"SASL", "Offers these sign-in methods: ", "Not listed after sign-in; many servers list it only before.", true},
}

// serverPage describes caps for the capabilities page. It performs no I/O.
func serverPage(caps pop3.Capabilities) templates.ServerPage {
	var p templates.ServerPage
	if caps == nil {
		p.NoCAPA = true
		return p
	}
	known := map[string]bool{"CAPA": true, "IMPLEMENTATION": true, "LOGIN-DELAY": true, "EXPIRE": true}
	for _, c := range capabilityWords {
		known[c.tag] = true
		f := templates.Feature{Tag: c.tag, Supported: caps.Has(c.tag), Unknown: c.auth && !caps.Has(c.tag), Text: c.no}
		if f.Supported {
			f.Text = c.yes
		}
		if c.tag == "SASL" && f.Supported {
			f.Text += visible(strings.Join(caps.SASL(), ", ")) + "."
		}
		p.Features = append(p.Features, f)
	}
	p.Implementation = visible(caps.Implementation())
	if d, perUser, ok := caps.LoginDelay(); ok && d > 0 {
		p.LoginDelay = "You can sign in once every " + duration(d) + "."
		if perUser {
			p.LoginDelay = "You can sign in once every " + duration(d) + " (the server sets this per user)."
		}
	}
	if days, never, ok := caps.Expire(); ok {
		switch {
		case never:
			p.Expire = "Keeps your mail until you delete it."
		case days == 0:
			p.Expire = "May delete a message as soon as it has been read."
			p.ExpireWarning = "This server may delete every message you open in popgate when you sign out " +
				"(it announces EXPIRE 0). Download or forward what you want to keep before you sign out."
		default:
			p.Expire = fmt.Sprintf("Deletes messages %s after they were first read.", count(days, "day"))
		}
	}
	for tag, args := range caps {
		if !known[tag] {
			p.Other = append(p.Other, visible(strings.TrimSpace(tag+" "+strings.Join(args, " "))))
		}
	}
	slices.Sort(p.Other)
	return p
}

// duration says d in minutes or hours for people: "15 minutes", "1 hour".
func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return count(int(d/time.Second), "second")
	case d < time.Hour || d%time.Hour != 0:
		return count(int((d+30*time.Second)/time.Minute), "minute")
	}
	return count(int(d/time.Hour), "hour")
}

// count says "1 day" or "3 days".
func count(n int, unit string) string {
	return fmt.Sprintf("%d %s%s", n, unit, plural(n))
}

// connectionWords says how popgate reaches the server.
func connectionWords(sec pop3.Security) string {
	switch sec {
	case pop3.SecurityTLS:
		return "Encrypted (TLS from the start)"
	case pop3.SecurityStartTLS:
		return "Encrypted (STARTTLS)"
	}
	return "Not encrypted (a test setup)"
}
