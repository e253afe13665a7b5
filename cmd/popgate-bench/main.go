// Command popgate-bench measures popgate end to end against its floors and
// prints one table.
//
//	go run ./cmd/popgate-bench          # full: 10,000 messages, 50 MB attachment, 1,000 sessions
//	go run ./cmd/popgate-bench -short   # small world for CI, well under a minute
//
// It sets up its own world: a private Dovecot (Debian's dovecot-pop3d,
// started through pop3/pop3test/dovecot) holding a mailbox whose messages
// are the repository's corpus (testdata/corpus) over and over, one 1 MB
// HTML message and one message with a large attachment; popgate built from
// this checkout and run as a child process, so that its memory can be read
// from /proc; and for the sessions figure an in-memory POP3 server (package
// pop3test) in another child process, this binary re-executed as
// "popgate-bench pop3-server".
//
// Every figure is measured next to its floor in the same run: the same
// POP3 work done directly with package pop3, the template render alone, a
// linear scan in memory, popgate idle. The exit status is non-zero only when
// the world cannot be set up or a measurement fails; a missed target is a
// "no" in the table.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == pop3ServerCommand {
		os.Exit(runPOP3Server(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "popgate-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
