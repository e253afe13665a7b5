package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"popgate/pop3/pop3test"
)

// The budgets of TestRSSUnderHostileServers for popgate's resident set.
const (
	// floodRSSBudget bounds its peak while a hundred sign-ins, twenty at a
	// time, meet flooding servers: each reads at most a listing's budget
	// for a server a user named (8 MB) before it gives up.
	floodRSSBudget = 256 << 20
	// endRSSMargin is how far above where it started the resident set may
	// stay once the sessions have ended.
	endRSSMargin = 16 << 20
	// rssMessages is the size of the large mailbox: within the listing
	// budget for a server a user named.
	rssMessages = 90_000
)

// procMemory returns a field of /proc/PID/status in bytes: VmRSS, the
// resident set, or VmHWM, its peak.
func procMemory(t *testing.T, pid int, field string) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status: %q", pid, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// rssFlood is a flooding server's options and what the sign-in page says
// when the budget held.
type rssFlood struct {
	opts pop3test.Options
	page string
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// TestRSSUnderHostileServers measures the real binary's resident set: a
// hundred sign-ins, from a hundred networks, to servers a user named that
// flood their capability list or their listings keep it within
// floodRSSBudget, and it comes back afterwards; so it does after a
// session on a 90,000-message mailbox ends by sign-out, by the takeover
// of a second sign-in and by idle expiry (in a process of its own, run
// beside: expiry takes a minute). Shutdown ends the process; web's
// TestSessionEndReleasesMemory checks that it releases the same things.
func TestRSSUnderHostileServers(t *testing.T) {
	if testing.Short() {
		t.Skip("sends gigabytes of listings over loopback")
	}
	// Each flood, and the page that shows its budget held: a capability
	// list is read before sign-in, where every failure with a server a
	// user named reads alike.
	floods := []rssFlood{
		{pop3test.Options{CAPAFlood: pop3test.Flood{Lines: 15_000, LineLength: 65_000}}, "could not reach that server"},
		{pop3test.Options{UIDLFlood: pop3test.Flood{Lines: 1_000_000, LineLength: 70}}, "list of messages is too long"},
		{pop3test.Options{LISTFlood: pop3test.Flood{Lines: 1_000_000, LineLength: 70}}, "list of messages is too long"},
	}
	var pems []byte
	servers := make([]*pop3test.Server, len(floods))
	for i, f := range floods {
		f.opts.AnyUser, f.opts.MaxRecordedCommands = true, -1
		servers[i] = pop3test.NewServer(t, &f.opts)
		pems = append(pems, servers[i].CertPEM()...)
	}
	// The large mailbox is a flood within the budget, made as it is sent.
	big := pop3test.NewServer(t, &pop3test.Options{
		AnyUser:             true,
		UIDLFlood:           pop3test.Flood{Lines: rssMessages},
		LISTFlood:           pop3test.Flood{Lines: rssMessages},
		MaxRecordedCommands: -1,
	})
	pems = append(pems, big.CertPEM()...)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pems, 0o600); err != nil {
		t.Fatal(err)
	}
	_, bigPort, _ := strings.Cut(big.TLSAddr(), ":")
	env := []string{"POPGATE_ALLOW_ANY_SERVER=true", "POPGATE_ALLOWED_NETWORKS=127.0.0.0/8",
		"POPGATE_CA_FILE=" + caFile, "POPGATE_TRUSTED_PROXIES=127.0.0.1"}
	t.Run("idle expiry", func(t *testing.T) {
		t.Parallel()
		p := startPopgate(t, append(env, "POPGATE_IDLE_TIMEOUT=1m")...)
		comesBack := rssWatch(t, p.cmd.Process.Pid)
		newBrowser(t, p.base).post("login", url.Values{"server": {"127.0.0.1:" + bigPort}, "username": {"idle"}, "password": {"x"}}, http.StatusSeeOther)
		t.Logf("with a session of %d messages: %.1f MiB", rssMessages, mib(procMemory(t, p.cmd.Process.Pid, "VmRSS")))
		for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(p.logs.String(), "session: expired"); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the session did not expire within 3 minutes")
			}
		}
		comesBack("idle expiry")
	})
	t.Run("floods, sign-out, takeover", func(t *testing.T) {
		t.Parallel()
		p := startPopgate(t, env...)
		rssFloodsAndEnds(t, p, servers, floods, bigPort)
	})
}

// rssWatch returns, for the process pid, a function that waits for its
// resident set to come down to what it is now plus endRSSMargin, as the
// runtime hands freed pages back.
func rssWatch(t *testing.T, pid int) (comesBack func(after string)) {
	start := procMemory(t, pid, "VmRSS")
	return func(after string) {
		t.Helper()
		limit := start + endRSSMargin
		began := time.Now()
		for deadline := began.Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			got := procMemory(t, pid, "VmRSS")
			if got <= limit {
				t.Logf("after %s: %.1f MiB, %v later", after, mib(got), time.Since(began).Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("resident set a minute after %s = %.1f MiB, want at most %.1f MiB (%.1f MiB at the start)", after, mib(got), mib(limit), mib(start))
				return
			}
		}
	}
}

// rssFloodsAndEnds is the main part of TestRSSUnderHostileServers.
func rssFloodsAndEnds(t *testing.T, p *popgateProcess, servers []*pop3test.Server, floods []rssFlood, bigPort string) {
	pid := p.cmd.Process.Pid
	start := procMemory(t, pid, "VmRSS")
	comesBack := rssWatch(t, pid)

	var wg sync.WaitGroup
	turns := make(chan struct{}, 20)
	for n := range 100 {
		srv, flood := servers[n%len(servers)], floods[n%len(servers)]
		turns <- struct{}{}
		wg.Go(func() {
			defer func() { <-turns }()
			_, port, _ := strings.Cut(srv.TLSAddr(), ":")
			form := url.Values{"server": {"127.0.0.1:" + port}, "username": {fmt.Sprint("x", n)}, "password": {"x"}}
			resp, data := newBrowser(t, p.base).do("POST", "login", form, http.Header{"X-Forwarded-For": {fmt.Sprintf("10.0.%d.1", n)}})
			if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(data), flood.page) {
				t.Errorf("sign-in %d to a flooding server = %d, want 502 saying %q", n, resp.StatusCode, flood.page)
			}
		})
	}
	wg.Wait()
	peak := procMemory(t, pid, "VmHWM")
	t.Logf("resident set: %.1f MiB at the start, %.1f MiB at the highest during the floods", mib(start), mib(peak))
	if peak > start+floodRSSBudget {
		t.Errorf("resident set during the floods reached %.1f MiB, want at most %.1f MiB", mib(peak), mib(start+floodRSSBudget))
	}
	comesBack("the floods")

	signIn := func(user string) *browser {
		t.Helper()
		b := newBrowser(t, p.base)
		b.post("login", url.Values{"server": {"127.0.0.1:" + bigPort}, "username": {user}, "password": {"x"}}, http.StatusSeeOther)
		return b
	}
	b := signIn("out")
	t.Logf("with a session of %d messages: %.1f MiB", rssMessages, mib(procMemory(t, pid, "VmRSS")))
	b.post("logout", nil, http.StatusOK)
	comesBack("sign-out")

	signIn("taken")
	b = signIn("taken") // ends the first session, as sign-out does
	b.post("logout", nil, http.StatusOK)
	comesBack("a takeover and sign-out")
}
