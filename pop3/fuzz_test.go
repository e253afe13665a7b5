package pop3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{
		"+OK", "+OK ", "+OK 2 320", "-ERR", "-ERR ", "-ERR [IN-USE] locked", "-ERR [SYS/TEMP] later",
		"-err [sys/perm]", "-ERR [] x", "-ERR [A/] x", "-ERR [ x", "+OKAY", "", "+", "+ ", "-", "HELLO",
		"-ERR [AUTH]", "+OK [XCLIENT] Dovecot ready.", "-ERR [\x00]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		text, err := parseStatus(line)
		var perr *Error
		var proto *ProtocolError
		switch {
		case err == nil:
			if !hasPrefixFold(line, "+OK") || len(text) > len(line) {
				t.Fatalf("parseStatus(%q) = ok %q", line, text)
			}
		case errors.As(err, &perr):
			if !hasPrefixFold(line, "-ERR") {
				t.Fatalf("parseStatus(%q) = %v, want no *Error", line, err)
			}
			if strings.ContainsAny(perr.Code, " []") {
				t.Fatalf("parseStatus(%q) code %q has a space or bracket", line, perr.Code)
			}
		case errors.As(err, &proto):
		default:
			t.Fatalf("parseStatus(%q) = %T", line, err)
		}
	})
}

func FuzzParseListing(f *testing.F) {
	for _, s := range []string{
		"1 120", "2 200 extra", "1 whqtswO00WBw418f9t5JxYwZ", "0 1", "-1 5", "1 -5", " 1  2 ", "1",
		"99999999999999999999 1", "1 99999999999999999999", "1 \x7f", "1 a\tb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if m, err := parseListLine(line); err == nil && (m.Number < 1 || m.Size < 0) {
			t.Fatalf("parseListLine(%q) = %+v", line, m)
		}
		if m, err := parseUidlLine(line); err == nil && (m.Number < 1 || !validUID(m.UID) || !strings.Contains(line, m.UID)) {
			t.Fatalf("parseUidlLine(%q) = %+v", line, m)
		}
	})
}

// stuff dot-stuffs msg and terminates it, as a server sends it.
func stuff(msg []byte) []byte {
	var b bytes.Buffer
	lineStart := true
	for _, ch := range msg {
		if lineStart && ch == '.' {
			b.WriteByte('.')
		}
		b.WriteByte(ch)
		lineStart = ch == '\n'
	}
	if !lineStart {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// FuzzDotReader checks both directions: any stuffed message reads back as
// itself, and any byte sequence at all is handled without a panic, leaving
// the client either usable or broken, never in between.
func FuzzDotReader(f *testing.F) {
	for _, s := range []string{
		"Subject: x\r\n\r\nbody\r\n", ".\r\n..\r\n.x\r\n", "a\nb\n.\n", ".", "..", "\r\n.\r", "no final newline",
		strings.Repeat("y", 70000) + "\r\n.z\r\n", "\x00\xff\r\r\n", ".\r\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		ctx := context.Background()

		// A well-formed stream: what the server stuffed comes back exact.
		want := msg
		if len(msg) > 0 && msg[len(msg)-1] != '\n' {
			want = append(append([]byte{}, msg...), "\r\n"...)
		}
		c := signedIn(mustFakeClient(t, "+OK hi\r\n+OK\r\n"+string(stuff(msg))+"+OK\r\n"))
		r, err := c.Retr(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Retr() = %q, %v, want %q", got, err, want)
		}
		if err := c.Noop(ctx); err != nil {
			t.Fatalf("Noop() after the stream = %v", err)
		}

		// Raw bytes as the body: no panic, no more out than in.
		c = signedIn(mustFakeClient(t, "+OK hi\r\n+OK\r\n"+string(msg)))
		r, err = c.Retr(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err = io.ReadAll(r)
		if len(got) > len(msg) {
			t.Fatalf("read %d octets from %d", len(got), len(msg))
		}
		if err != nil && c.Err() == nil {
			t.Fatalf("stream error %v left the client usable", err)
		}
	})
}

func mustFakeClient(tb testing.TB, script string) *Client {
	tb.Helper()
	c, err := NewClient(&faker{Reader: strings.NewReader(script)}, &Options{Security: SecurityNone})
	if err != nil {
		tb.Fatalf("NewClient() = %v", err)
	}
	return c
}
