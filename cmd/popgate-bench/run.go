package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// run builds the world, measures every figure and prints the table. It
// returns the exit status: 1 when set-up or a measurement failed, 0
// otherwise, whether or not the targets were met.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	start := time.Now()
	loadBefore := loadAverage()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	fail := func(err error) int {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			fmt.Fprintf(stderr, "popgate-bench: gave up after -timeout %v: %v\n", cfg.Timeout, err)
		case ctx.Err() != nil:
			fmt.Fprintln(stderr, "popgate-bench: interrupted")
		default:
			fmt.Fprintln(stderr, "popgate-bench:", err)
		}
		return 1
	}
	if err := checkDovecot(); err != nil {
		return fail(err)
	}
	corpus, err := loadCorpus(cfg.Corpus)
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp(cfg.Dir, "popgate-bench-")
	if err != nil {
		return fail(err)
	}
	// Dovecot's unprivileged processes must enter it when we run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if cfg.Keep {
		defer fmt.Fprintln(stderr, "popgate-bench: work folder kept:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	w := &world{cfg: cfg, dir: dir, popgateBin: cfg.Popgate}
	if w.popgateBin == "" {
		fmt.Fprintln(stderr, "building ./cmd/popgate")
		if w.popgateBin, err = buildPopgate(ctx, dir); err != nil {
			return fail(err)
		}
	}
	defer w.tearDown()
	if err := setUp(ctx, cfg, w, corpus, stderr); err != nil {
		return fail(err)
	}
	setup := time.Since(start)

	var rows []row
	var failed error
	steps := func(name string, f func() ([]row, error)) {
		if failed != nil || (cfg.Only != nil && !slices.Contains(cfg.Only, name)) {
			return
		}
		fmt.Fprintln(stderr, "measuring:", name)
		r, err := f()
		if err != nil {
			failed = fmt.Errorf("%s: %w", name, err)
			return
		}
		rows = append(rows, r...)
	}
	step := func(name string, f func() (row, error)) {
		steps(name, func() ([]row, error) {
			r, err := f()
			return []row{r}, err
		})
	}
	c := newClient(w.popgate, len(w.users)+4)
	direct, err := w.dialPOP3(ctx, w.users[0])
	if err != nil {
		return fail(err)
	}
	defer direct.Close()

	step("sign-in", func() (row, error) { return signInFigure(ctx, w, c) })
	if cfg.Only != nil && !slices.Contains(cfg.Only, "sign-in") {
		// The other figures use the sessions the sign-in figure leaves.
		if err := signInAll(ctx, c, w.users); err != nil {
			return fail(err)
		}
	}
	step("bytes", func() (row, error) { return bytesFigure(ctx, w, c) })
	step("open-html", func() (row, error) { return openHTMLFigure(ctx, w, c, direct) })
	step("download", func() (row, error) { return downloadFigure(ctx, w, c, direct) })
	steps("next-pages", func() ([]row, error) { return nextPagesFigure(ctx, w, c, stderr) })
	step("search", func() (row, error) { return searchFigure(ctx, w, c, stderr) })
	step("sessions", func() (row, error) { return sessionsFigure(ctx, w, stderr) })
	var signedOut row
	step("index-memory", func() (row, error) {
		signedIn, out, err := indexMemoryFigure(ctx, w, c, stderr)
		signedOut = out
		return signedIn, err
	})
	if signedOut.figure != "" {
		rows = append(rows, signedOut)
	}

	mode := "full"
	if cfg.Short {
		mode = "short (-short)"
	}
	if cfg.Only != nil {
		mode += " (-only " + strings.Join(cfg.Only, ",") + ")"
	}
	fmt.Fprintf(stdout, "\npopgate-bench, %s run, %s\n\n", mode, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	printTable(stdout, rows)
	fmt.Fprintln(stdout)
	sizes := make([]int, 0, len(w.mail.corpus))
	for _, m := range w.mail.corpus {
		sizes = append(sizes, len(m))
	}
	slices.Sort(sizes)
	fmt.Fprintf(stdout, "- machine: %d CPUs (GOMAXPROCS %d), %s; Dovecot, both popgates, the POP3 server and this load client share them\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(stdout, "- mailbox: %d messages: %d cycling through the %d corpus messages (sizes p50 %s, p90 %s, max %s; own Subject and Message-ID each), "+
		"one %s HTML newsletter (quoted-printable), one %s attachment (base64); %d Dovecot users hold it as hard links\n",
		cfg.Messages, cfg.Messages-2, len(sizes), mb(sizes[len(sizes)/2]), mb(sizes[len(sizes)*9/10]), mb(sizes[len(sizes)-1]),
		mb(len(w.mail.html)), mb(cfg.Attachment), cfg.Users)
	fmt.Fprintf(stdout, "- popgate: its own process (go build of this checkout, or -popgate; each request logged to a file), Dovecot over implicit TLS; "+
		"sessions figure: a second popgate and the in-memory POP3 server (%d messages per user) in a third process\n", sessionMessages)
	fmt.Fprintf(stdout, "- load: Go HTTP/1.1 client in this process, one keep-alive connection per user, closed loop; pages warmed first (each user opened every page once), "+
		"so the load meets each session's header index (16 MiB each at most, some 250,000 messages; pages beyond it cost a pipelined TOP batch to Dovecot)\n")
	fmt.Fprintf(stdout, "- index memory: a third popgate (default POPGATE_INDEX_MEMORY and soft memory limit), the %d users signed in and each index complete; "+
		"resident memory read %v after the last index completed and %v after they all signed out\n", cfg.Users, cfg.Settle, cfg.SignOutWait)
	fmt.Fprintf(stdout, "- sequential figures: %d samples each, popgate and floor alternating; sign-in: %d users one after another\n", cfg.Samples, cfg.Users)
	fmt.Fprintf(stdout, "- load average of the machine (1, 5, 15 min) at the start: %s, at the end: %s (other work on the machine skews every figure; the ratios less)\n",
		loadBefore, loadAverage())
	fmt.Fprintf(stdout, "- time: set-up %v, whole run %v\n", setup.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
	if failed != nil {
		return fail(failed)
	}
	return 0
}
