package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"popgate/session"
	"popgate/templates"
)

// userError is an error kind: the status and the words a user can act on.
// Internal detail stays in the log.
type userError struct {
	status  int
	title   string
	message string
	// retryAfter, when set, is sent as Retry-After: when a new attempt
	// may succeed.
	retryAfter time.Duration
}

func (e *userError) Error() string { return e.title }

var (
	errNotFound        = newUserError(http.StatusNotFound, "Not found", "There is nothing at this address.")
	errMessageGone     = newUserError(http.StatusNotFound, "Message not found", "This message is no longer in your mailbox. It may have been deleted, or the mailbox was refreshed.")
	errPartNotFound    = newUserError(http.StatusNotFound, "Attachment not found", "This message has no such attachment.")
	errMethod          = newUserError(http.StatusMethodNotAllowed, "Not allowed", "This address does not accept that kind of request.")
	errCrossOrigin     = newUserError(http.StatusForbidden, "Request refused", "The request came from another site, so popgate refused it. Go back to popgate and try again from there.")
	errBadForm         = newUserError(http.StatusBadRequest, "Something is missing", "The form was incomplete. Go back and try again.")
	errWrongPassword   = newUserError(http.StatusUnauthorized, "Wrong user name or password", "Wrong user name or password.")
	errInUse           = newUserError(http.StatusConflict, "Mailbox in use", "Your mailbox is open in another mail program; close it and try again.")
	errUnavailable     = newUserError(http.StatusServiceUnavailable, "Mail server not answering", "The mail server is not answering; try again in a minute.")
	errCertificate     = newUserError(http.StatusBadGateway, "Mail server not trusted", "The mail server's certificate could not be verified, so popgate did not send your password. Tell the administrator.")
	errNoTLS           = newUserError(http.StatusBadGateway, "No secure connection", "The mail server does not offer a secure connection, so popgate did not send your password. Tell the administrator.")
	errForbiddenServer = newUserError(http.StatusForbidden, "Server not allowed", "popgate may not connect to that server. Check its name, or ask the administrator.")
	errUnreachable     = newUserError(http.StatusBadGateway, "Server not reached", "popgate could not reach that server, or it did not answer as a POP3 server over TLS. Check its name.")
	errServerRefused   = newUserError(http.StatusBadGateway, "Mail server refused", "The mail server refused the request. Try again later; if it keeps happening, tell the administrator.")
	errSignedOut       = newUserError(http.StatusUnauthorized, "Signed out", "You are signed out. Sign in again to continue.")
	errTooManySessions = newUserError(http.StatusServiceUnavailable, "Too busy", "popgate is serving as many mailboxes as it can right now; try again in a few minutes.")
	// The two below are 503s too: the cap is popgate's, and it lifts as
	// sessions end, with no count of the user's own to wait out.
	errTooManyFromNetwork = newUserError(http.StatusServiceUnavailable, "Too busy", "popgate is serving as many mailboxes as it can for your network (your office or provider, say) right now; try again in a few minutes.")
	errTooManyToServer    = newUserError(http.StatusServiceUnavailable, "Too busy", "popgate has as many connections to that mail server as it allows right now; try again in a few minutes.")
	errTooLarge           = newUserError(http.StatusBadGateway, "Message too large", "This message is too large for popgate to fetch from the mail server. Open your mailbox in a mail program to read it.")
	errListTooLarge       = newUserError(http.StatusBadGateway, "Mailbox list too long", "Your mail server sent more than popgate can handle (its list of messages is too long). Tell the administrator.")
	errSessionBusy        = newUserError(http.StatusServiceUnavailable, "Mailbox busy", "Your mailbox is still busy with another of your requests, such as a download in another tab; try again when it has finished.")
	errShuttingDown       = &userError{status: http.StatusServiceUnavailable, title: "Restarting", message: "popgate is restarting or shutting down; try again in a minute.", retryAfter: 30 * time.Second}
	errInternal           = newUserError(http.StatusInternalServerError, "Something went wrong", "Something went wrong on our side. Try again; if it keeps happening, tell the administrator.")
)

func newUserError(status int, title, message string) *userError {
	return &userError{status: status, title: title, message: message}
}

// classify maps any error from the session layer to what the user is
// told, by its kind: the session layer reads POP3's replies, this one
// only words them.
func classify(err error) *userError {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	switch session.KindOf(err) {
	case session.KindSignedOut:
		return errSignedOut
	case session.KindShuttingDown:
		return errShuttingDown
	case session.KindNotFound:
		return errMessageGone
	case session.KindWrongPassword:
		return errWrongPassword
	case session.KindMailboxBusy:
		return errInUse
	case session.KindLoginDelay:
		var delay *session.LoginDelayError
		if !errors.As(err, &delay) {
			return newUserError(http.StatusTooManyRequests, "Please wait", "Your mail server allows only one sign-in every few minutes; try again later.")
		}
		minutes := int(delay.RetryAfter.Minutes() + 0.999)
		return &userError{status: http.StatusTooManyRequests, title: "Please wait",
			message:    fmt.Sprintf("Your mail server allows only one sign-in every few minutes; try again in %d minute%s.", minutes, plural(minutes)),
			retryAfter: delay.RetryAfter}
	case session.KindTooManyConnections:
		var limit *session.ConnLimitError
		if errors.As(err, &limit) {
			switch limit.Limit {
			case session.LimitNetwork:
				return errTooManyFromNetwork
			case session.LimitServer, session.LimitUserNamed:
				return errTooManyToServer
			}
		}
		return errTooManySessions
	case session.KindServerDown:
		return errUnavailable
	case session.KindRefused:
		return errServerRefused
	case session.KindCertificate:
		return errCertificate
	case session.KindNoTLS:
		return errNoTLS
	case session.KindForbiddenServer:
		return errForbiddenServer
	case session.KindTooLarge:
		return errTooLarge
	case session.KindSessionBusy:
		return errSessionBusy
	case session.KindUnreachable:
		return errUnreachable
	case session.KindListTooLarge:
		return errListTooLarge
	}
	return errInternal
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// renderError logs err and shows the page for its kind.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the browser went away; nobody to answer
	}
	if session.KindOf(err) == session.KindSignedOut {
		// Signed out or expired while the request was under way: the
		// answer is the sign-in page, as for a request without a session.
		s.log.InfoContext(r.Context(), "session ended during the request", "path", r.URL.Path)
		s.toSignIn(w, r, true)
		return
	}
	ue := classify(err)
	if ue.status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "status", ue.status, "error", err)
	} else if ue != err {
		s.log.InfoContext(r.Context(), "request refused", "path", r.URL.Path, "status", ue.status, "error", err)
	}
	page := templates.ErrorPage{
		Meta:    s.meta(r, ue.title),
		Status:  ue.status,
		Title:   ue.title,
		Message: ue.message,
	}
	if ue.status >= 500 || ue.status == http.StatusTooManyRequests {
		page.RetryHref = s.retryHref(r)
	}
	setRetryAfter(w, ue)
	s.render(w, r, ue.status, templates.ErrorView(page))
}

// retryHref is where "Try again" leads: the same page for a GET of one of
// ours, the inbox after a POST (whose form the browser would have to send
// again).
func (s *Server) retryHref(r *http.Request) string {
	p := r.URL.Path
	if r.Method == http.MethodGet && strings.HasPrefix(p, s.base) && !strings.HasPrefix(p, "//") && !strings.Contains(p, "\\") {
		return r.URL.RequestURI()
	}
	return s.url("")
}

// setRetryAfter sends ue's Retry-After, in whole seconds, if it has one.
func setRetryAfter(w http.ResponseWriter, ue *userError) {
	if ue.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ue.retryAfter+time.Second-1)/time.Second)))
	}
}
