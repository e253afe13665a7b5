package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// version is stamped at build time (-ldflags "-X main.version=...") so that
// `popgate version` names the build an image was made from.
var version = "dev"

// healthcheckTimeout bounds the whole probe: a container runtime kills a
// hanging health check only at its own, longer, timeout.
var healthcheckTimeout = 3 * time.Second

// subcommand runs the subcommands that must not go through the server's
// flag parsing, and reports whether args named one. A FROM scratch image
// has no shell or curl, so its HEALTHCHECK runs the binary itself.
func subcommand(env, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "healthcheck":
		return healthcheck(context.Background(), env, args[1:], stderr), true
	case "version":
		fmt.Fprintln(stdout, "popgate", version)
		return 0, true
	}
	return 0, false
}

// healthcheck GETs /healthz of the server configured by the same
// POPGATE_LISTEN / --listen and POPGATE_BASE_PATH / --base-path, and returns
// the exit status: 0 when it answers 200, 1 otherwise, 2 on bad usage.
func healthcheck(ctx context.Context, env, args []string, stderr io.Writer) int {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	fs := flag.NewFlagSet("popgate healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: popgate healthcheck [--listen host:port] [--base-path /mail/]\n"+
			"exits 0 when the popgate serving on that address answers /healthz (version %s)\n", version)
		fs.PrintDefaults()
	}
	listen := fs.String("listen", vars["POPGATE_LISTEN"], "address popgate serves on (POPGATE_LISTEN, default :8080)")
	base := fs.String("base-path", vars["POPGATE_BASE_PATH"], "path popgate is served under (POPGATE_BASE_PATH)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popgate healthcheck: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	target, err := healthzURL(*listen, *base)
	if err != nil {
		fmt.Fprintln(stderr, "popgate healthcheck:", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(stderr, "popgate healthcheck:", err)
		return 2
	}
	// No proxy from the environment and no redirects: the probe is about
	// this process, not whatever an HTTP_PROXY or a redirect points at.
	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "popgate healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "popgate healthcheck: GET %s: %s\n", target, resp.Status)
		return 1
	}
	return 0
}

// healthzURL is where the server listening on listen answers /healthz. A
// wildcard or empty host is reached on 127.0.0.1, which works inside a
// container whatever its network; a specific address is used as given,
// since the server does not answer on loopback then.
func healthzURL(listen, base string) (string, error) {
	if listen == "" {
		listen = ":8080"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("POPGATE_LISTEN / --listen: %q is not host:port", listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	base = "/" + strings.Trim(base, "/") + "/"
	if base == "//" {
		base = "/"
	}
	return "http://" + net.JoinHostPort(host, port) + base + "healthz", nil
}
