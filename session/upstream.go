package session

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"popgate/pop3"
)

// ParseUpstream reads a POP3 server URL whose scheme picks the transport:
// pop3s://host[:995] (implicit TLS), pop3://host[:110] (STLS required) or
// pop3+insecure://host:port (no TLS; for tests only). The host is
// lower-cased and the default port filled in. The result's ID is the URL
// in that form, its Label the host, and its Options carry the Security and
// a TLSConfig naming the host (nil for pop3+insecure); the caller adds
// root certificates, a dialer or an observer as it needs. Errors quote the
// URL and say what is wrong, for the caller to prefix with where it came
// from. It doesn't perform I/O.
func ParseUpstream(rawURL string) (Upstream, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return Upstream{}, fmt.Errorf("%q is not a server URL such as pop3s://mail.example.com", rawURL)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Upstream{}, fmt.Errorf("%q: only scheme, host and port are allowed", rawURL)
	}
	scheme := strings.ToLower(u.Scheme)
	var security pop3.Security
	var port string
	switch scheme {
	case "pop3s":
		security, port = pop3.SecurityTLS, "995"
	case "pop3":
		security, port = pop3.SecurityStartTLS, "110"
	case "pop3+insecure":
		security = pop3.SecurityNone
	default:
		return Upstream{}, fmt.Errorf("%q: the scheme must be pop3s, pop3 (STLS required) or pop3+insecure", rawURL)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	if port == "" {
		return Upstream{}, fmt.Errorf("%q: pop3+insecure needs an explicit port", rawURL)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return Upstream{}, fmt.Errorf("%q: bad port", rawURL)
	}
	host := strings.ToLower(u.Hostname())
	addr := net.JoinHostPort(host, port)
	up := Upstream{
		ID:      scheme + "://" + addr,
		Label:   host,
		Addr:    addr,
		Options: pop3.Options{Security: security},
	}
	if security != pop3.SecurityNone {
		up.Options.TLSConfig = &tls.Config{ServerName: host}
	}
	return up, nil
}

// ServerKey names the mail server up reaches, the same however it was
// spelled: a listed server by its ID; one a user named by its host,
// lower-cased, without a trailing dot and, for an address, in its
// shortest form with an IPv4-mapped IPv6 one unmapped, and its port as a
// number. Names are not resolved, so two names of one address stay two
// keys. It is what counts a server's connections and, in the layer above,
// its accounts' sign-in failures. It doesn't perform I/O.
func (u Upstream) ServerKey() string {
	if !u.UserNamed {
		return "listed\x00" + u.ID
	}
	host, port, err := net.SplitHostPort(u.Addr)
	if err != nil {
		return "named\x00" + u.Addr
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().String()
	}
	if n, err := strconv.Atoi(port); err == nil {
		port = strconv.Itoa(n)
	}
	return "named\x00" + host + "\x00" + port
}

// probeDeadline bounds a Probe.
const probeDeadline = 5 * time.Second

// Probe connects to up, reads the greeting (after TLS where up asks for
// it) and sends QUIT, without signing in: the readiness check. It gives up
// after five seconds or when ctx ends, and doesn't call up's
// Options.Observe. It is safe for concurrent use.
func Probe(ctx context.Context, up Upstream) error {
	ctx, cancel := context.WithTimeout(ctx, probeDeadline)
	defer cancel()
	opts := up.Options
	opts.Observe = nil
	c, err := pop3.Dial(ctx, up.Addr, &opts)
	if err != nil {
		return err
	}
	return c.Quit(ctx)
}
