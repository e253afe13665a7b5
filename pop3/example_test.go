package pop3_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

// newExampleServer starts an in-process server with two messages; real code
// dials its mail server instead.
func newExampleServer() *pop3test.Server {
	srv := pop3test.New(nil)
	srv.AddMailbox("alice", "secret",
		[]byte("From: bob@example.test\r\nSubject: Lunch?\r\n\r\nAt noon.\r\n"),
		[]byte("From: carol@example.test\r\nSubject: Minutes\r\n\r\n.see attached\r\n"))
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	if err := srv.ListenTLS("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	return srv
}

// Sign in over implicit TLS, list the mailbox newest first with one
// pipelined round trip for the headers, read a message and delete it.
func Example() {
	srv := newExampleServer()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := pop3.Dial(ctx, srv.TLSAddr(), &pop3.Options{
		// pop3s:// implicit TLS is the zero value; trust the test server's CA.
		TLSConfig: &tls.Config{RootCAs: srv.CertPool(), ServerName: "localhost"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		var perr *pop3.Error
		if errors.As(err, &perr) && perr.Code == pop3.CodeInUse {
			log.Fatal("mailbox open elsewhere")
		}
		log.Fatal(err)
	}

	ids, _, err := c.UniqueIDs(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ids), "messages")
	err = c.TopMany(ctx, []int{2, 1}, 0, func(n int, header io.Reader, err error) error {
		if err != nil {
			return nil // this message is gone; list the others
		}
		b, err := io.ReadAll(header)
		fmt.Printf("%d: %s", n, withLF(b))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}

	body, err := c.Retr(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	b, err := io.ReadAll(body) // the dot-stuffed ".see" arrives as it was written
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(withLF(b))
	if err := c.Dele(ctx, 1); err != nil {
		log.Fatal(err)
	}
	// QUIT is what makes the server remove message 1.
	if err := c.Quit(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(srv.Mailbox("alice")), "message left")
	// Output:
	// 2 messages
	// 2: From: carol@example.test
	// Subject: Minutes
	//
	// 1: From: bob@example.test
	// Subject: Lunch?
	//
	// From: carol@example.test
	// Subject: Minutes
	//
	// .see attached
	// 1 message left
}

// withLF shows a message's CRLF line ends as LF, for the example's output;
// the bytes the client returns keep their CRLF.
func withLF(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }
