package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// readmeNginx returns the nginx configuration README recommends for
// serving popgate under /mail/ (POPGATE_BASE_PATH=/mail/,
// POPGATE_TRUSTED_PROXIES set to the proxy's address): the README's nginx
// block, so that the test runs exactly what users copy.
//
//   - proxy_pass has no URI part, so the path reaches popgate unchanged,
//     /mail/ prefix included: popgate routes and sets cookies under it.
//   - Host keeps the port ($http_host, not $host) so that the browser's
//     Origin matches it when the cross-origin check falls back to Origin;
//     X-Forwarded-Host does the same for a proxy whose Host is changed.
//   - X-Forwarded-For gives popgate the client address for its sign-in
//     rate limit; X-Forwarded-Proto makes cookies Secure behind HTTPS.
//   - Buffering off streams large downloads instead of spooling them.
func readmeNginx(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "```nginx\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed || !strings.Contains(block, "proxy_pass http://127.0.0.1:8080;") {
		t.Fatalf("README.md has no nginx block proxying to 127.0.0.1:8080")
	}
	return block
}

// TestReadmeNginx checks the headers README's nginx block passes: popgate
// needs each of them behind a proxy.
func TestReadmeNginx(t *testing.T) {
	block := readmeNginx(t)
	for _, want := range []string{
		"proxy_set_header Host $http_host;",
		"proxy_set_header X-Forwarded-Host $http_host;",
		"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
		"proxy_set_header X-Forwarded-Proto $scheme;",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("README's nginx block lacks %q", want)
		}
	}
}

// TestNginx walks the whole journey through a real nginx that serves
// popgate under /mail/, as a deployment behind a reverse proxy does.
func TestNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
			if _, statErr := os.Stat(p); statErr == nil {
				nginx, err = p, nil
				break
			}
		}
	}
	if err != nil {
		if os.Getenv("POPGATE_REQUIRE_REAL") == "1" {
			t.Fatal("POPGATE_REQUIRE_REAL=1 but nginx is missing (apt-get install nginx)")
		}
		t.Skip("nginx not found (apt-get install nginx); skipping (set POPGATE_REQUIRE_REAL=1 to fail instead)")
	}

	srv := pop3test.NewServer(t, nil)
	msgs := journeyMessages()
	srv.AddMailbox("alice", "secret pw", msgs...)
	m := startMain(t, "POPGATE_SERVERS=Test=pop3+insecure://"+srv.Addr(),
		"POPGATE_BASE_PATH=/mail/", "POPGATE_TRUSTED_PROXIES=127.0.0.1")
	appAddr := listenAddr(t, m)

	port := freePort(t)
	startNginx(t, nginx, port, strings.Replace(readmeNginx(t), "127.0.0.1:8080", appAddr, 1))
	origin := "http://127.0.0.1:" + port
	base := origin + "/mail/"

	b := newBrowser(t, base)
	// A browser that sends Origin but not Sec-Fetch-Site is checked by
	// Origin against the host it used, which must survive the proxy.
	wrong := url.Values{"username": {"alice"}, "password": {"wrong"}}
	for o, want := range map[string]int{origin: http.StatusUnauthorized, "http://evil.example": http.StatusForbidden} {
		if resp, _ := b.do("POST", "login", wrong, http.Header{"Origin": {o}}); resp.StatusCode != want {
			t.Errorf("POST login with Origin %s = %d, want %d", o, resp.StatusCode, want)
		}
	}
	// nginx itself sends /mail to /mail/, since the location ends in a slash.
	resp, _ := b.get("/mail", http.StatusMovedPermanently)
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/mail/") {
		t.Errorf("/mail redirects to %q, want /mail/", loc)
	}
	b.get("healthz", http.StatusOK)
	// The block passes all of /mail/ on, but the metrics are not under it:
	// they are served on POPGATE_METRICS_LISTEN only.
	b.get("metrics", http.StatusNotFound)
	journey(t, b, "alice", "secret pw", func() [][]byte { return srv.Mailbox("alice") }, len(msgs))
}

// startNginx runs nginx in the foreground on 127.0.0.1:port with location
// as its only route. Everything it writes (pid, logs, temporary files)
// stays under a private prefix, so it needs no system paths and leaves
// any system nginx alone.
func startNginx(t *testing.T, nginx, port, location string) {
	t.Helper()
	prefix := t.TempDir()
	// As root, nginx would switch its workers to "nobody", which cannot
	// enter the test's private folders.
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    server {
        listen 127.0.0.1:%[3]s;
%[4]s
    }
}
`, user, prefix, port, location)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// -e replaces the compiled-in error log, which nginx opens before
	// reading the configuration.
	args := []string{"-p", prefix, "-c", confPath, "-e", filepath.Join(prefix, "error.log")}
	if out, err := exec.Command(nginx, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s\n%s", err, out, conf)
	}
	cmd := exec.Command(nginx, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// SIGQUIT is nginx's graceful stop; the master then ends its worker.
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx error log:\n%s", log)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx exited at start:\n%s", log)
		default:
		}
		resp, err := http.Get("http://127.0.0.1:" + port + "/mail/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nginx did not proxy /mail/healthz within 10s")
}
