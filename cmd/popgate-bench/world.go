package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test/dovecot"
)

// world is everything the figures run against.
type world struct {
	cfg   config
	dir   string // work folder
	mail  *mailbox
	dove  *dovecot.Server
	users []*user // Dovecot users; users[0] holds the mailbox, the others hard links to it

	popgate    *popgateProc // against Dovecot
	popgateBin string
}

// userName is the Dovecot user i.
func userName(i int) string { return fmt.Sprintf("u%02d", i) }

// setUp starts Dovecot with the mailbox and popgate in front of it.
func setUp(ctx context.Context, cfg config, w *world, corpus [][]byte, progress io.Writer) error {
	var err error
	t := time.Now()
	w.mail = newMailbox(corpus, cfg.Messages, cfg.HTMLSize, cfg.Attachment)
	owner := userName(0)
	passwords := map[string]string{}
	for i := 1; i < cfg.Users; i++ {
		passwords[userName(i)] = userName(i) + "pw"
	}
	w.dove, err = dovecot.StartProcess(filepath.Join(w.dir, "dovecot"), dovecot.Options{
		Bulk:        map[string]int{owner: cfg.Messages},
		BulkMessage: func(_ string, i int) []byte { return w.mail.message(i) },
		Passwords:   passwords,
		// Every figure signs in beside others to the same mailboxes: the
		// floors next to popgate's sessions.
		NoLockSession:        true,
		MaxUserIPConnections: -1,
	})
	if err != nil {
		return fmt.Errorf("starting Dovecot: %w", err)
	}
	fmt.Fprintf(progress, "dovecot: %d messages written in %v\n", cfg.Messages, time.Since(t).Round(time.Millisecond))
	if err := w.linkMailboxes(); err != nil {
		return err
	}
	for i := range cfg.Users {
		w.users = append(w.users, &user{name: userName(i), password: w.dove.Password(userName(i)), ip: fakeIP(i)})
	}
	t = time.Now()
	if err := w.warmDovecot(ctx); err != nil {
		return err
	}
	fmt.Fprintf(progress, "dovecot: %d maildrops indexed in %v\n", cfg.Users, time.Since(t).Round(time.Millisecond))

	w.popgate, err = startPopgate(ctx, w.popgateBin, w.dir, "popgate-dovecot", map[string]string{
		"POPGATE_SERVERS":         "pop3s://" + w.dove.TLSAddr(),
		"POPGATE_CA_FILE":         w.dove.CAFile(),
		"POPGATE_SESSION_KEY":     randomKey(),
		"POPGATE_TRUSTED_PROXIES": "127.0.0.1",
	})
	return err
}

// linkMailboxes gives every other user the owner's messages as hard links
// into Maildir/new: 50 mailboxes of 10,000 messages for the price of one.
// Dovecot has not seen any of them yet, so they are new mail to it.
func (w *world) linkMailboxes() error {
	files := w.dove.MaildirFiles(userName(0))
	var wg sync.WaitGroup
	errs := make([]error, w.cfg.Users)
	for i := 1; i < w.cfg.Users; i++ {
		wg.Go(func() {
			dst := filepath.Join(w.dove.Maildir(userName(i)), "new")
			for _, f := range files {
				if err := os.Link(f, filepath.Join(dst, filepath.Base(f))); err != nil {
					errs[i] = fmt.Errorf("linking the mailbox for %s: %w", userName(i), err)
					return
				}
			}
		})
	}
	wg.Wait()
	return firstError(errs)
}

// checkDovecot fails clearly when Dovecot is missing, before anything is
// built.
func checkDovecot() error {
	if _, err := exec.LookPath("dovecot"); err == nil {
		return nil
	}
	if _, err := os.Stat("/usr/sbin/dovecot"); err == nil {
		return nil
	}
	return errors.New("dovecot is not installed: apt-get install dovecot-pop3d (Debian), then run again")
}

// warmTimeout bounds each exchange of the first login to a maildrop.
const warmTimeout = 5 * time.Minute

// pop3Options are the options popgate uses for Dovecot: implicit TLS,
// verified against the instance's CA, server name from the address.
func (w *world) pop3Options() *pop3.Options {
	return &pop3.Options{Security: pop3.SecurityTLS, TLSConfig: &tls.Config{RootCAs: w.dove.CertPool()}}
}

// dialPOP3 signs in to Dovecot directly with package pop3.
func (w *world) dialPOP3(ctx context.Context, u *user) (*pop3.Client, error) {
	c, err := pop3.Dial(ctx, w.dove.TLSAddr(), w.pop3Options())
	if err != nil {
		return nil, err
	}
	if err := c.Login(ctx, u.name, u.password); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// warmDovecot signs in to every maildrop once, so Dovecot has indexed it
// before anything is timed (the first login to 10,000 new messages takes
// Dovecot about half a second).
func (w *world) warmDovecot(ctx context.Context) error {
	sem := make(chan struct{}, 2) // Dovecot indexes with one process per login
	var wg sync.WaitGroup
	errs := make([]error, len(w.users))
	for i, u := range w.users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// Indexing 10,000 new messages on a busy machine can take
			// longer than an exchange's default 30 s.
			opts := w.pop3Options()
			opts.Timeout = warmTimeout
			c, err := pop3.Dial(ctx, w.dove.TLSAddr(), opts)
			if err == nil {
				if err = c.Login(ctx, u.name, u.password); err != nil {
					c.Close()
				}
			}
			if err != nil {
				errs[i] = fmt.Errorf("signing in to Dovecot as %s: %w", u.name, err)
				return
			}
			defer c.Close()
			list, err := c.List(ctx)
			if err == nil && len(list) != w.cfg.Messages {
				err = fmt.Errorf("LIST shows %d messages, want %d", len(list), w.cfg.Messages)
			}
			if err == nil {
				_, err = c.Uidl(ctx)
			}
			if err == nil {
				err = c.Quit(ctx)
			}
			if err != nil {
				errs[i] = fmt.Errorf("maildrop of %s on Dovecot: %w", u.name, err)
			}
		})
	}
	wg.Wait()
	return firstError(errs)
}

// firstError returns the first non-nil error of errs.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// tearDown stops what setUp started, in reverse.
func (w *world) tearDown() {
	if w.popgate != nil {
		w.popgate.stop(10 * time.Second)
	}
	if w.dove != nil {
		_ = w.dove.Stop()
	}
}
