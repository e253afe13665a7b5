package session

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"

	"popgate/pop3"
)

// Kind is what an error of this package, or of package pop3 beneath it,
// means for the person who asked: the layer above picks its words and
// status by Kind alone, without reading POP3 response codes. Get it with
// KindOf.
type Kind int

// The kinds of error. KindInternal is the zero value.
const (
	// KindInternal is anything else: a bug, or a failure nobody but the
	// administrator can act on.
	KindInternal Kind = iota
	// KindSignedOut: the session was signed out or expired (ErrNoSession).
	KindSignedOut
	// KindShuttingDown: the Manager is closing (ErrClosed); a new attempt
	// shortly after may reach the next process.
	KindShuttingDown
	// KindNotFound: the message is not, or no longer, in the mailbox
	// (ErrNotFound).
	KindNotFound
	// KindWrongPassword: the server refused the credentials ([AUTH], or a
	// -ERR without a code in answer to them).
	KindWrongPassword
	// KindMailboxBusy: the credentials were right but another program holds
	// the mailbox ([IN-USE]).
	KindMailboxBusy
	// KindLoginDelay: the server allows one sign-in every so often
	// ([LOGIN-DELAY]); a *LoginDelayError says for how long still.
	KindLoginDelay
	// KindTooManyConnections: Config.MaxConns connections are open
	// (ErrTooManyConnections).
	KindTooManyConnections
	// KindServerDown: the server did not answer in time, refused or dropped
	// the connection, or said [SYS/TEMP].
	KindServerDown
	// KindRefused: the server said -ERR otherwise, or lacks a command
	// popgate needs.
	KindRefused
	// KindCertificate: the server's certificate did not verify; nothing
	// was sent.
	KindCertificate
	// KindNoTLS: the server offers no TLS where it is required; the
	// credentials were not sent.
	KindNoTLS
	// KindForbiddenServer: a server the user named is in a network popgate
	// may not reach (ErrForbiddenAddress).
	KindForbiddenServer
	// KindTooLarge: a message is over the POP3 client's size cap
	// (pop3.ErrMessageTooLarge).
	KindTooLarge
	// KindSessionBusy: another request of the same session (a download in
	// another tab) held it until this one gave up waiting (ErrBusy).
	KindSessionBusy
	// KindUnreachable: a server the user named (Upstream.UserNamed) could
	// not be reached, was in a network popgate may not reach, or did not
	// answer as a POP3 server over TLS; which of these is not told.
	KindUnreachable
	// KindListTooLarge: the server's list of messages or of capabilities
	// is over the POP3 client's budget for it (pop3.ErrListTooLarge), at
	// sign-in or when the mailbox is listed again.
	KindListTooLarge
)

var kindNames = [...]string{
	KindInternal:           "internal",
	KindSignedOut:          "signed out",
	KindShuttingDown:       "shutting down",
	KindNotFound:           "not found",
	KindWrongPassword:      "wrong password",
	KindMailboxBusy:        "mailbox busy",
	KindLoginDelay:         "login delay",
	KindTooManyConnections: "too many connections",
	KindServerDown:         "server down",
	KindRefused:            "refused",
	KindCertificate:        "certificate",
	KindNoTLS:              "no TLS",
	KindForbiddenServer:    "forbidden server",
	KindTooLarge:           "too large",
	KindSessionBusy:        "session busy",
	KindUnreachable:        "unreachable",
	KindListTooLarge:       "listing too large",
}

// String names k for logs. It doesn't perform I/O.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// KindOf returns the kind of err, which may be wrapped; KindInternal for
// nil or an error it doesn't know. It doesn't perform I/O.
func KindOf(err error) Kind {
	var ke *kindError
	var perr *pop3.Error
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var netErr net.Error
	var broken *pop3.BrokenError
	switch {
	case err == nil:
		return KindInternal
	case errors.As(err, &ke):
		return ke.kind
	case errors.Is(err, ErrNoSession):
		return KindSignedOut
	case errors.Is(err, ErrClosed):
		return KindShuttingDown
	case errors.Is(err, ErrBusy):
		return KindSessionBusy
	case errors.Is(err, ErrNotFound):
		return KindNotFound
	case errors.Is(err, ErrLoginDelay):
		return KindLoginDelay
	case errors.Is(err, ErrTooManyConnections):
		return KindTooManyConnections
	case errors.Is(err, pop3.ErrListTooLarge):
		return KindListTooLarge
	case errors.Is(err, pop3.ErrMessageTooLarge):
		return KindTooLarge
	case errors.As(err, &perr):
		switch {
		case perr.HasCode(pop3.CodeAuth):
			return KindWrongPassword
		case perr.HasCode(pop3.CodeInUse):
			return KindMailboxBusy
		case perr.HasCode(pop3.CodeLoginDelay):
			return KindLoginDelay
		case perr.HasCode(pop3.CodeSysTemp):
			return KindServerDown
		}
		return KindRefused
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &verify):
		return KindCertificate
	case errors.Is(err, ErrForbiddenAddress):
		return KindForbiddenServer
	case errors.Is(err, pop3.ErrNoSTLS), errors.Is(err, pop3.ErrInsecure):
		return KindNoTLS
	case errors.Is(err, pop3.ErrNotSupported):
		return KindRefused
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr), errors.As(err, &broken):
		return KindServerDown
	}
	return KindInternal
}

// kindError gives err a kind that its type alone doesn't tell.
type kindError struct {
	kind Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// signInError marks a failed sign-in: a -ERR without a code in answer to
// the credentials is, on most servers, a wrong password.
func signInError(err error) error {
	var perr *pop3.Error
	if errors.As(err, &perr) && perr.Code == "" {
		return &kindError{KindWrongPassword, err}
	}
	return err
}
