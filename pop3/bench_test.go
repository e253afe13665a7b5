package pop3_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"popgate/pop3"
	"popgate/pop3/pop3test"
	"popgate/pop3/pop3test/dovecot"
)

// The protocol benchmarks run against a private Dovecot with a
// 10,000-message mailbox whose messages are the corpus over and over
// (so sizes follow its spread) and a 20 MB message, next to the floor of
// reading the same 20 MB from a plain loopback socket:
//
//	go test -run='^$' -bench=. -benchtime=3x ./pop3/
const (
	benchMailboxSize = 10000
	bigMessageSize   = 20 << 20
)

// bigMessage returns a message of about size octets: a base64 attachment,
// with some lines starting with "." so the stream has stuffing to undo.
func bigMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: big@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	raw := make([]byte, 57)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; b.Len() < size; i++ {
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		if i%100 == 0 {
			b.WriteString(".")
		}
		b.WriteString(base64.StdEncoding.EncodeToString(raw))
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func BenchmarkDovecot(b *testing.B) {
	corpus := loadCorpus(b)
	big := bigMessage(bigMessageSize)
	srv := dovecot.Start(b, dovecot.Options{
		Users: map[string][][]byte{"big": {big}},
		Bulk:  map[string]int{"bulk": benchMailboxSize},
		// One session per mode, open side by side.
		NoLockSession: true,
		BulkMessage: func(_ string, i int) []byte {
			return corpus[(i-1)%len(corpus)].Data
		},
	})
	ctx := context.Background()
	var writes atomic.Int64
	opts := &pop3.Options{Security: pop3.SecurityNone, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return &countingConn{Conn: conn, writes: &writes}, err
	}}

	for _, pipelined := range []bool{true, false} {
		mode := "pipelined"
		if !pipelined {
			mode = "sequential"
		}
		o := *opts
		o.DisablePipelining = !pipelined
		c := mustLogin(b, ctx, srv.Addr(), &o, "bulk", srv.Password("bulk"))
		for _, count := range []int{50, benchMailboxSize} {
			name := "headers=50/" + mode
			if count != 50 {
				name = "headers=all/" + mode
			}
			nums := make([]int, count)
			for i := range nums {
				nums[i] = benchMailboxSize - i // newest first, as the inbox asks
			}
			b.Run(name, func(b *testing.B) {
				before := writes.Load()
				var octets int64
				for b.Loop() {
					err := c.TopMany(ctx, nums, 0, func(_ int, r io.Reader, err error) error {
						if err != nil {
							return err
						}
						n, err := io.Copy(io.Discard, r)
						octets += n
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(writes.Load()-before)/float64(b.N), "roundtrips/op")
				b.ReportMetric(float64(octets)/float64(b.N)/float64(count), "header-octets/msg")
			})
		}
	}

	c := mustLogin(b, ctx, srv.Addr(), opts, "big", srv.Password("big"))
	b.Run("retr=20MB/plain", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		for b.Loop() {
			r, err := c.Retr(ctx, 1)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n < int64(len(big)) {
				b.Fatalf("Retr() = %d octets, %v", n, err)
			}
		}
	})
	b.Run("retr=20MB/raw-dovecot", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		benchRawRetr(b, srv)
	})
	// The same bytes from a server that holds them in memory: our client
	// against the floor of reading them from a plain socket.
	wire := append(append([]byte("+OK\r\n"), stuffForBench(big)...), ".\r\n"...)
	addr := serveWire(b, wire)
	b.Run("retr=20MB/memory-server", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c, err := pop3.NewClient(conn, &pop3.Options{Security: pop3.SecurityNone})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		for b.Loop() {
			r, err := c.Retr(ctx, 1)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(big)) {
				b.Fatalf("Retr() = %d octets, %v, want %d", n, err, len(big))
			}
		}
	})
	b.Run("floor=20MB/socket", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		buf := make([]byte, 64<<10)
		if _, err := conn.Read(buf); err != nil { // the greeting
			b.Fatal(err)
		}
		for b.Loop() {
			conn.Write([]byte("RETR 1\r\n"))
			for left := len(wire); left > 0; {
				n, err := conn.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				left -= n
			}
		}
	})
}

// stuffForBench dot-stuffs a CRLF message as a server sends it.
func stuffForBench(msg []byte) []byte {
	return bytes.ReplaceAll(append([]byte("\n"), msg...), []byte("\n."), []byte("\n.."))[1:]
}

// serveWire answers RETR with reply and anything else with +OK, from
// memory, until the benchmark ends.
func serveWire(b *testing.B, reply []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.Write([]byte("+OK ready\r\n"))
				lines := bufio.NewReader(conn)
				for {
					line, err := lines.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "RETR") {
						conn.Write(reply)
					} else {
						conn.Write([]byte("+OK\r\n"))
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// benchRawRetr reads Dovecot's RETR reply off the socket without looking at
// it beyond finding its end: what the server costs, without our client.
func benchRawRetr(b *testing.B, srv *dovecot.Server) {
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 64<<10)
	readUntil := func(end []byte) {
		var tail []byte
		for {
			n, err := conn.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			tail = append(tail, buf[:n]...)
			if bytes.HasSuffix(tail, end) {
				return
			}
			if len(tail) > 16 {
				tail = tail[len(tail)-16:]
			}
		}
	}
	readUntil([]byte("\r\n"))
	conn.Write([]byte("USER big\r\nPASS " + srv.Password("big") + "\r\n"))
	readUntil([]byte("\r\n"))
	for b.Loop() {
		conn.Write([]byte("RETR 1\r\n"))
		readUntil([]byte("\r\n.\r\n"))
	}
}

// BenchmarkRetrTLS reads the 20 MB message over implicit TLS from pop3test
// in this process: what the TLS record handling costs a stream.
func BenchmarkRetrTLS(b *testing.B) {
	big := bigMessage(bigMessageSize)
	srv := pop3test.NewServer(b, nil)
	srv.AddMailbox("big", "secret", big)
	ctx := context.Background()
	c := mustLogin(b, ctx, srv.TLSAddr(), &pop3.Options{TLSConfig: &tls.Config{RootCAs: srv.CertPool()}}, "big", "secret")
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		r, err := c.Retr(ctx, 1)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n < int64(len(big)) {
			b.Fatalf("Retr() = %d octets, %v", n, err)
		}
	}
}
