package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// config is the benchmark's size and where things are. Zero sizes are
// filled in from the full or the short preset.
type config struct {
	Short      bool
	Corpus     string        // corpus folder whose INDEX.tsv lists the messages the mailbox repeats
	Popgate    string        // popgate binary; "" builds ./cmd/popgate
	Dir        string        // parent of the work folder
	Keep       bool          // keep the work folder (logs) afterwards
	Messages   int           // messages in the mailbox, large ones included
	Attachment int           // octets of the large attachment, decoded
	HTMLSize   int           // octets of the HTML message
	Users      int           // signed-in users of the next-pages load
	Sessions   int           // sessions of the memory figure
	Load       time.Duration // length of the next-pages load
	Samples    int           // repetitions of the sequential figures
	Timeout    time.Duration // the whole run
	Only       []string      // figures to measure (figureNames); nil measures all
	// Settle is how long after the last index completed, and SignOutWait
	// how long after the last sign-out, the index-memory figure reads
	// popgate's memory.
	Settle, SignOutWait time.Duration
}

// figureNames name the figures for -only, in the order they are measured.
var figureNames = []string{"sign-in", "bytes", "open-html", "download", "next-pages", "search", "sessions", "index-memory"}

// presets: the full benchmark of issue 7, and a small one that CI runs so
// that the command cannot rot.
var (
	fullPreset  = config{Messages: 10000, Attachment: 50 << 20, HTMLSize: 1 << 20, Users: 50, Sessions: 1000, Load: 10 * time.Second, Samples: 20, Settle: 10 * time.Second, SignOutWait: 30 * time.Second}
	shortPreset = config{Messages: 500, Attachment: 5 << 20, HTMLSize: 1 << 20, Users: 50, Sessions: 100, Load: time.Second, Samples: 5, Settle: 7 * time.Second, SignOutWait: 7 * time.Second}
)

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("popgate-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./cmd/popgate-bench [flags]\n\n"+
			"Measures popgate against a private Dovecot and prints a table of figures next to their floors.\n"+
			"Needs Debian's dovecot-pop3d (apt-get install dovecot-pop3d) and the corpus in testdata/corpus.\n\n")
		fs.PrintDefaults()
	}
	fs.BoolVar(&c.Short, "short", false, "small world and short load (500 messages, 5 MB attachment, 100 sessions, 1 s, memory read 7 s after sign-out), for CI")
	fs.StringVar(&c.Corpus, "corpus", defaultCorpus, "folder of sample messages, those its INDEX.tsv lists, whose sizes the mailbox follows (a relative one: in the working directory, else in the module's root)")
	fs.StringVar(&c.Popgate, "popgate", "", "popgate binary to measure (default: go build ./cmd/popgate)")
	fs.StringVar(&c.Dir, "dir", defaultDir(), "where to create the work folder (Dovecot's data, logs); tmpfs keeps set-up fast")
	fs.BoolVar(&c.Keep, "keep", false, "keep the work folder with popgate's and Dovecot's logs")
	fs.IntVar(&c.Messages, "messages", 0, "messages in the mailbox (default 10000, short 500)")
	fs.IntVar(&c.Attachment, "attachment", 0, "size of the large attachment in octets (default 50 MB, short 5 MB)")
	fs.IntVar(&c.Users, "users", 0, "signed-in users loading inbox pages at once (default 50)")
	fs.IntVar(&c.Sessions, "sessions", 0, "sessions for the memory figure (default 1000, short 100)")
	fs.DurationVar(&c.Load, "load", 0, "duration of the next-pages load (default 10s, short 1s)")
	fs.DurationVar(&c.SignOutWait, "sign-out-wait", 0, "how long after the sign-outs the index-memory figure reads popgate's memory (default 30s, short 7s)")
	fs.IntVar(&c.Samples, "samples", 0, "repetitions of the sequential figures (default 20, short 5)")
	fs.DurationVar(&c.Timeout, "timeout", 20*time.Minute, "give up after this long")
	only := fs.String("only", "", "measure only these figures, comma-separated: "+strings.Join(figureNames, ", ")+
		" (users are still signed in first when a figure needs them)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if *only != "" {
		for name := range strings.SplitSeq(*only, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(figureNames, name) {
				return config{}, fmt.Errorf("-only: unknown figure %q (have %s)", name, strings.Join(figureNames, ", "))
			}
			c.Only = append(c.Only, name)
		}
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	p := fullPreset
	if c.Short {
		p = shortPreset
	}
	fill := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	fill(&c.Messages, p.Messages)
	fill(&c.Attachment, p.Attachment)
	fill(&c.HTMLSize, p.HTMLSize)
	fill(&c.Users, p.Users)
	fill(&c.Sessions, p.Sessions)
	fill(&c.Samples, p.Samples)
	if c.Load <= 0 {
		c.Load = p.Load
	}
	if c.SignOutWait <= 0 {
		c.SignOutWait = p.SignOutWait
	}
	c.Settle = p.Settle
	if c.Messages < 100 {
		return config{}, fmt.Errorf("-messages %d: want at least 100", c.Messages)
	}
	// popgate keeps at most 1,000 POP3 connections (session.DefaultMaxConns).
	if c.Sessions > 1000 {
		return config{}, fmt.Errorf("-sessions %d: popgate holds at most 1000 POP3 connections", c.Sessions)
	}
	return c, nil
}

// defaultDir prefers tmpfs: 10,000 Maildir files are written in a fraction
// of a second there.
func defaultDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "popgate-bench-probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}
