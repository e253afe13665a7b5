package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

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
	corpusDir := fs.String("corpus", defaultCorpus, "folder of sample messages, those its INDEX.tsv lists")
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

// pop3ServerProc is the in-memory POP3 server in a child process.
type pop3ServerProc struct {
	*child
	addr   string // implicit TLS
	caFile string
	stdin  io.WriteCloser
}

// startPOP3Server re-executes this binary as "pop3-server" with n users,
// and waits for it to print its address.
func startPOP3Server(ctx context.Context, dir, corpus string, n int) (*pop3ServerProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "pop3test-ca.pem")
	logPath := filepath.Join(dir, "pop3-server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(self, pop3ServerCommand, "-users", fmt.Sprint(n), "-corpus", corpus, "-ca-out", caFile)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The server runs until its stdin closes: when we exit, however we exit.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	c, err := startChild("pop3-server", cmd)
	if err != nil {
		return nil, err
	}
	c.log = logPath
	p := &pop3ServerProc{child: c, caFile: caFile, stdin: stdin}
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if addr, ok := strings.CutPrefix(s.Text(), "listening "); ok {
				lines <- addr
			}
		}
		close(lines)
	}()
	select {
	case addr, ok := <-lines:
		if !ok {
			p.stop()
			return nil, fmt.Errorf("pop3-server exited during start\n%s", c.logTail())
		}
		p.addr = addr
		return p, nil
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	p.stop()
	return nil, fmt.Errorf("pop3-server did not start within 60 s\n%s", c.logTail())
}

func (p *pop3ServerProc) stop() {
	if p == nil {
		return
	}
	p.stdin.Close()
	p.child.stop(5 * time.Second)
}
