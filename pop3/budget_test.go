package pop3

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestListingBudgets checks that a CAPA, LIST or UIDL reply over its line
// or octet budget fails with ErrListTooLarge, which also matches
// ErrMessageTooLarge, and breaks the Client without reading the rest.
func TestListingBudgets(t *testing.T) {
	ctx := context.Background()
	capa := func(c *Client) error { _, err := c.Capa(ctx); return err }
	uidl := func(c *Client) error { _, err := c.Uidl(ctx); return err }
	list := func(c *Client) error { _, err := c.List(ctx); return err }
	long := strings.Repeat("x", 65000) // just under DefaultMaxLineLength
	tests := []struct {
		name   string
		server string // after the greeting
		opts   Options
		run    func(c *Client) error
		ok     bool
	}{
		{"CAPA of long lines, defaults", "+OK\nX-A " + long + "\nX-B " + long + "\n.\n", Options{}, capa, false},
		{"CAPA over MaxCapaLines", "+OK\nTOP\nUIDL\nUSER\n.\n", Options{MaxCapaLines: 2}, capa, false},
		{"CAPA at MaxCapaLines", "+OK\nTOP\nUIDL\n.\n", Options{MaxCapaLines: 2}, capa, true},
		{"CAPA over MaxCapaSize", "+OK\nTOP\nUIDL\n.\n", Options{MaxCapaSize: 10}, capa, false},
		{"CAPA at MaxCapaSize", "+OK\nTOP\nUIDL\n.\n", Options{MaxCapaSize: 11}, capa, true},
		{"UIDL over MaxListSize", "+OK\n1 aaaa\n2 bbbb\n.\n", Options{MaxListSize: 15}, uidl, false},
		{"UIDL at MaxListSize", "+OK\n1 aaaa\n2 bbbb\n.\n", Options{MaxListSize: 16}, uidl, true},
		{"LIST over MaxListSize", "+OK\n1 100\n2 200\n.\n", Options{MaxListSize: 13}, list, false},
		{"UIDL over the size MaxListLines implies", "+OK\n1 a " + strings.Repeat("y", 200) + "\n2 b\n.\n", Options{MaxListLines: 2}, uidl, false},
		{"UIDL within the size MaxListLines implies", "+OK\n1 a " + strings.Repeat("y", 100) + "\n2 b\n.\n", Options{MaxListLines: 2}, uidl, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Security = SecurityNone
			c, _ := newTestClient(t, "+OK hi\n"+tc.server, &tc.opts)
			signedIn(c)
			err := tc.run(c)
			if tc.ok {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			var broken *BrokenError
			if !errors.As(err, &broken) || !errors.Is(err, ErrListTooLarge) || !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("err = %v, want a *BrokenError wrapping ErrListTooLarge and ErrMessageTooLarge", err)
			}
		})
	}
}

// TestListingBudgetDefault checks the default octet budget of a UIDL
// reply: 1,400 lines of 65,000 octets (91 MB), each under the line cap,
// fail before the end. The reply is generated as it is read.
func TestListingBudgetDefault(t *testing.T) {
	line := "1 a " + strings.Repeat("x", 65000) + "\r\n"
	f := &faker{Reader: io.MultiReader(
		strings.NewReader("+OK hi\r\n+OK\r\n"),
		&repeatReader{line: line, n: 1400},
		strings.NewReader(".\r\n"))}
	c, err := NewClient(f, &Options{Security: SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	signedIn(c)
	if _, err := c.Uidl(context.Background()); !errors.Is(err, ErrListTooLarge) {
		t.Fatalf("Uidl() = %v, want ErrListTooLarge", err)
	}
}

// repeatReader yields line n times without holding more than one copy.
type repeatReader struct {
	line string
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.line[r.off:])
	if r.off += k; r.off == len(r.line) {
		r.off = 0
		r.n--
	}
	return k, nil
}
