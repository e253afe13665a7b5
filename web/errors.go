package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"popgate/pop3"
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
	errServerRefused   = newUserError(http.StatusBadGateway, "Mail server refused", "The mail server refused the request. Try again later; if it keeps happening, tell the administrator.")
	errTooManySessions = newUserError(http.StatusServiceUnavailable, "Too busy", "popgate is serving as many mailboxes as it can right now; try again in a few minutes.")
	errTooLarge        = newUserError(http.StatusBadGateway, "Message too large", "This message is too large for popgate to fetch from the mail server. Open your mailbox in a mail program to read it.")
	errShuttingDown    = &userError{status: http.StatusServiceUnavailable, title: "Restarting", message: "popgate is restarting or shutting down; try again in a minute.", retryAfter: 30 * time.Second}
	errInternal        = newUserError(http.StatusInternalServerError, "Something went wrong", "Something went wrong on our side. Try again; if it keeps happening, tell the administrator.")
)

func newUserError(status int, title, message string) *userError {
	return &userError{status: status, title: title, message: message}
}

// classify maps any error from the session or POP3 layer to what the user
// is told.
func classify(err error) *userError {
	var ue *userError
	var perr *pop3.Error
	var delay *session.LoginDelayError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var netErr net.Error
	switch {
	case errors.As(err, &ue):
		return ue
	case errors.Is(err, session.ErrNotFound):
		return errMessageGone
	case errors.As(err, &delay):
		minutes := int(delay.RetryAfter.Minutes() + 0.999)
		return &userError{status: http.StatusTooManyRequests, title: "Please wait",
			message:    fmt.Sprintf("Your mail server allows only one sign-in every few minutes; try again in %d minute%s.", minutes, plural(minutes)),
			retryAfter: delay.RetryAfter}
	case errors.Is(err, session.ErrTooManyConnections):
		return errTooManySessions
	case errors.Is(err, session.ErrClosed):
		return errShuttingDown
	case errors.Is(err, pop3.ErrMessageTooLarge):
		return errTooLarge
	case errors.As(err, &perr):
		switch {
		case perr.HasCode(pop3.CodeAuth):
			return errWrongPassword
		case perr.HasCode(pop3.CodeInUse):
			return errInUse
		case perr.HasCode(pop3.CodeLoginDelay):
			return newUserError(http.StatusTooManyRequests, "Please wait", "Your mail server allows only one sign-in every few minutes; try again later.")
		case perr.HasCode(pop3.CodeSysTemp):
			return errUnavailable
		}
		return errServerRefused
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return errCertificate
	case errors.Is(err, errForbiddenAddress):
		return errForbiddenServer
	case errors.Is(err, pop3.ErrNoSTLS), errors.Is(err, pop3.ErrInsecure):
		return errNoTLS
	case errors.Is(err, pop3.ErrNotSupported):
		return errServerRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr):
		return errUnavailable
	}
	var broken *pop3.BrokenError
	if errors.As(err, &broken) {
		return errUnavailable
	}
	return errInternal
}

// signInError maps a sign-in failure: a plain -ERR to PASS without a code
// is, on most servers, a wrong password.
func signInError(err error) *userError {
	var perr *pop3.Error
	if errors.As(err, &perr) && perr.Code == "" {
		return errWrongPassword
	}
	return classify(err)
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
	if errors.Is(err, session.ErrNoSession) {
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
		page.RetryHref = s.url("")
	}
	setRetryAfter(w, ue)
	s.render(w, r, ue.status, templates.ErrorView(page))
}

// setRetryAfter sends ue's Retry-After, in whole seconds, if it has one.
func setRetryAfter(w http.ResponseWriter, ue *userError) {
	if ue.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ue.retryAfter+time.Second-1)/time.Second)))
	}
}
