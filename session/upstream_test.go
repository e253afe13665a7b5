package session

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"popgate/pop3"
	"popgate/pop3/pop3test"
)

func TestParseUpstream(t *testing.T) {
	for _, tc := range []struct {
		url      string
		id, addr string
		security pop3.Security
		wantErr  string
	}{
		{url: "pop3s://Mail.Example.com", id: "pop3s://mail.example.com:995", addr: "mail.example.com:995", security: pop3.SecurityTLS},
		{url: "POP3://pop.example.org/", id: "pop3://pop.example.org:110", addr: "pop.example.org:110", security: pop3.SecurityStartTLS},
		{url: "pop3s://[2001:db8::1]:1995", id: "pop3s://[2001:db8::1]:1995", addr: "[2001:db8::1]:1995", security: pop3.SecurityTLS},
		{url: "pop3+insecure://127.0.0.1:1100", id: "pop3+insecure://127.0.0.1:1100", addr: "127.0.0.1:1100", security: pop3.SecurityNone},
		{url: "pop3+insecure://127.0.0.1", wantErr: "explicit port"},
		{url: "imap://x.example", wantErr: "scheme"},
		{url: "pop3s://", wantErr: "not a server URL"},
		{url: "mail.example.com", wantErr: "not a server URL"},
		{url: "pop3s://u:p@x.example", wantErr: "only scheme, host and port"},
		{url: "pop3s://x.example/inbox", wantErr: "only scheme, host and port"},
		{url: "pop3s://x.example?a=b", wantErr: "only scheme, host and port"},
		{url: "pop3s://x.example:0", wantErr: "bad port"},
		{url: "pop3s://x.example:99999", wantErr: "bad port"},
	} {
		up, err := ParseUpstream(tc.url)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseUpstream(%q) = %+v, %v, want an error saying %q", tc.url, up, err, tc.wantErr)
			}
			continue
		}
		if err != nil || up.ID != tc.id || up.Addr != tc.addr || up.Options.Security != tc.security {
			t.Errorf("ParseUpstream(%q) = %q %q %v, %v, want %q %q %v", tc.url, up.ID, up.Addr, up.Options.Security, err, tc.id, tc.addr, tc.security)
			continue
		}
		host, _, _ := net.SplitHostPort(up.Addr)
		if c := up.Options.TLSConfig; (c == nil) != (tc.security == pop3.SecurityNone) || c != nil && c.ServerName != host {
			t.Errorf("ParseUpstream(%q).Options.TLSConfig = %+v, want one naming %s", tc.url, c, host)
		}
	}
}

func TestProbe(t *testing.T) {
	srv := pop3test.NewServer(t, nil)
	up := testUpstream(srv.Addr())
	observed := 0
	up.Options.Observe = func(string, time.Duration, error) { observed++ }
	if err := Probe(context.Background(), up); err != nil {
		t.Errorf("Probe(listening server) = %v, want nil", err)
	}
	for _, cmd := range srv.Commands() {
		if strings.HasPrefix(cmd, "USER") || strings.HasPrefix(cmd, "AUTH") {
			t.Errorf("Probe sent %q; it must not sign in", cmd)
		}
	}
	if observed != 0 {
		t.Errorf("Probe reported %d exchanges to Observe, want none", observed)
	}
	if err := Probe(context.Background(), testUpstream("127.0.0.1:1")); KindOf(err) != KindServerDown {
		t.Errorf("Probe(closed port) = %v, want a server-down error", err)
	}
}
