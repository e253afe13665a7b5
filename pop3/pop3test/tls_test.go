package pop3test_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	"popgate/pop3/pop3test"
)

// startTLS issues STLS and returns the connection after a verified
// handshake.
func (c *testConn) startTLS(s *pop3test.Server) *testConn {
	c.tb.Helper()
	c.expect("STLS", "+OK Begin TLS negotiation now.\r\n")
	if n := c.r.Buffered(); n != 0 {
		c.tb.Fatalf("%d plaintext bytes buffered after STLS", n)
	}
	tc := tls.Client(c.conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err := tc.Handshake(); err != nil {
		c.tb.Fatalf("Handshake() = %v", err)
	}
	return newTestConn(c.tb, tc)
}

func TestSTLS(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustDial(t, s).startTLS(s)
	c.run("C: STLS\nS: -ERR TLS is already active.\n"+
		"C: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\nC: STAT\nS: +OK 3 125\n"+
		"C: QUIT\nS: +OK Logging out.\nS:EOF\n", "\r\n")
	want := []string{"STLS", "STLS", "USER alice", "PASS open sesame", "STAT", "QUIT"}
	if got := s.Commands(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Commands() = %q, want %q", got, want)
	}
}

func TestSTLSRefused(t *testing.T) {
	tests := []struct {
		name  string
		opts  *pop3test.Options
		setup string
		want  string
	}{
		{"NoSTLS", &pop3test.Options{NoSTLS: true}, "", "-ERR Unknown command.\r\n"},
		{"in TRANSACTION", nil, "login", "-ERR Command not valid in this state.\r\n"},
		{"implicit TLS", nil, "implicit", "-ERR TLS is already active.\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.opts)
			var c *testConn
			switch tc.setup {
			case "implicit":
				c = mustDialTLS(t, s)
				c.readLine()
			case "login":
				c = mustLogin(t, s)
			default:
				c = mustDial(t, s)
			}
			c.expect("STLS", tc.want)
			c.expect("NOOP", map[bool]string{true: "+OK\r\n", false: "-ERR Command not valid in this state.\r\n"}[tc.setup == "login"])
		})
	}
}

func TestSTLSDiscardsPipelinedPlaintext(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustDial(t, s)
	// Whatever follows STLS in the same segment must not run as if it had
	// arrived over TLS.
	c.write("STLS\r\nUSER mallory\r\n")
	if got, want := c.readLine(), "+OK Begin TLS negotiation now.\r\n"; got != want {
		t.Fatalf("STLS = %q, want %q", got, want)
	}
	tc := tls.Client(c.conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("Handshake() = %v", err)
	}
	c = newTestConn(t, tc)
	c.expect("PASS x", "-ERR No username given.\r\n")
	if got := s.Commands(); len(got) != 2 || got[0] != "STLS" || got[1] != "PASS x" {
		t.Errorf("Commands() = %q, want [STLS PASS x]", got)
	}
}

func TestInjectAfterSTLS(t *testing.T) {
	s := newTestServer(t, &pop3test.Options{InjectAfterSTLS: "+OK injected\r\n"})
	c := mustDial(t, s)
	c.send("STLS")
	if got, want := c.readLine()+c.readLine(), "+OK Begin TLS negotiation now.\r\n+OK injected\r\n"; got != want {
		t.Fatalf("STLS = %q, want %q", got, want)
	}
	tc := tls.Client(c.conn, &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("Handshake() = %v", err)
	}
	newTestConn(t, tc).expect("NOOP", "-ERR Command not valid in this state.\r\n")
}

func TestImplicitTLS(t *testing.T) {
	s := newTestServer(t, nil)
	c := mustDialTLS(t, s)
	c.run("S: +OK POP3 test server ready.\nC: USER alice\nS: +OK\nC: PASS open sesame\nS: +OK Logged in.\n"+
		"C: RETR 2\nS: +OK 33 octets\nS: Subject: no final newline\nS: \nS: body\nS: .\n", "\r\n")
	state := c.conn.(*tls.Conn).ConnectionState()
	if state.Version < tls.VersionTLS12 {
		t.Errorf("TLS version = %x, want >= TLS 1.2", state.Version)
	}
}

func TestCertificate(t *testing.T) {
	s := newTestServer(t, nil)
	_, port, _ := net.SplitHostPort(s.TLSAddr())
	// Every loopback name a client may use must verify.
	for _, name := range []string{"localhost", "127.0.0.1"} {
		t.Run(name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", port), &tls.Config{RootCAs: s.CertPool(), ServerName: name})
			if err != nil {
				t.Fatalf("tls.Dial(ServerName %q) = %v", name, err)
			}
			conn.Close()
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		conn, err := tls.Dial("tcp", s.TLSAddr(), &tls.Config{ServerName: "localhost"})
		if err == nil {
			conn.Close()
			t.Fatal("tls.Dial without the pool succeeded, want a verification error")
		}
	})

	block, _ := pem.Decode(s.CertPEM())
	if block == nil {
		t.Fatalf("CertPEM() = %q, want a PEM block", s.CertPEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("ParseCertificate() = %v", err)
	}
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("public key = %T, want ECDSA P-256", cert.PublicKey)
	}
	if err := cert.VerifyHostname("::1"); err != nil {
		t.Errorf("VerifyHostname(::1) = %v", err)
	}
	if got := s.TLSConfig().Certificates; len(got) != 1 || string(got[0].Certificate[0]) != string(block.Bytes) {
		t.Errorf("TLSConfig() does not carry the certificate of CertPEM()")
	}

	other := newTestServer(t, nil)
	if string(other.CertPEM()) == string(s.CertPEM()) {
		t.Error("two servers share a certificate, want one per Server")
	}
}
