package pop3test_test

import (
	"fmt"
	"log"
	"net/textproto"
	"time"

	"popgate/pop3/pop3test"
)

// A long-running server, as in demo mode: no testing.TB, an idle timeout and
// no command log.
func ExampleNew() {
	srv := pop3test.New(&pop3test.Options{IdleTimeout: 10 * time.Minute, MaxRecordedCommands: -1})
	srv.AddMailbox("demo", "demo", []byte("From demo Thu Jan  1 00:00:00 2026\nSubject: Welcome\n\n.hidden dot\n"))
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := textproto.Dial("tcp", srv.Addr())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	greeting, _ := c.ReadLine()
	fmt.Println(greeting)
	for _, cmd := range []string{"USER demo", "PASS demo", "RETR 1", "QUIT"} {
		c.PrintfLine("%s", cmd)
		status, _ := c.ReadLine()
		fmt.Println(status)
		if cmd == "RETR 1" {
			lines, _ := c.ReadDotLines() // un-stuffs the leading dot
			fmt.Printf("%q\n", lines)
		}
	}
	// Output:
	// +OK POP3 test server ready.
	// +OK
	// +OK Logged in.
	// +OK 33 octets
	// ["Subject: Welcome" "" ".hidden dot"]
	// +OK Logging out.
}
