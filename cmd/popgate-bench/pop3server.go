package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"popgate/pop3/pop3test"
)

// pop3ServerCommand is the hidden subcommand that serves the in-memory POP3
// server for the sessions figure. It runs in a process of its own so that
// popgate's memory, not the server's, is what /proc shows for popgate.
const pop3ServerCommand = "pop3-server"

// sessionMessages is the size of each mailbox of the sessions figure: one
// inbox page.
const sessionMessages = 50

// sessionUser names user i of the in-memory server; every password is
// sessionPassword.
func sessionUser(i int) string { return fmt.Sprintf("s%04d", i) }

const sessionPassword = "benchpw"

// runPOP3Server serves users s0000... with sessionMessages small corpus
// messages each over implicit TLS on a loopback port, writes the
// certificate to -ca-out, prints "listening <addr>" and serves until stdin
// closes or a signal comes.
func runPOP3Server(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(pop3ServerCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	users := fs.Int("users", 1000, "number of users")
	corpusDir := fs.String("corpus", "../shared/corpus", "folder of sample messages")
	caOut := fs.String("ca-out", "", "write the server certificate (PEM) here")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	corpus, err := loadCorpus(*corpusDir)
	if err != nil {
		fmt.Fprintln(stderr, "pop3-server:", err)
		return 1
	}
	// Small messages keep this process modest; the figure is about
	// popgate's memory per session.
	var small [][]byte
	for _, m := range corpus {
		if len(m) <= 16<<10 {
			small = append(small, m)
		}
	}
	if len(small) == 0 {
		small = corpus
	}
	srv := pop3test.New(&pop3test.Options{MaxRecordedCommands: -1})
	defer srv.Close()
	msgs := make([][]byte, sessionMessages)
	for i := range *users {
		for j := range msgs {
			msgs[j] = distinct(small[(i*7+j)%len(small)], j+1)
		}
		srv.AddMailbox(sessionUser(i), sessionPassword, msgs...)
	}
	if err := srv.ListenTLS("127.0.0.1:0"); err != nil {
		fmt.Fprintln(stderr, "pop3-server:", err)
		return 1
	}
	if *caOut != "" {
		if err := os.WriteFile(*caOut, srv.CertPEM(), 0o644); err != nil {
			fmt.Fprintln(stderr, "pop3-server:", err)
			return 1
		}
	}
	fmt.Fprintln(stdout, "listening", srv.TLSAddr())
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(eof)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-eof:
	case <-sig:
	}
	return 0
}
