package session

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"popgate/internal/corpus"
)

// The resident-memory benchmark builds rssIndexes indexes of rssMessages
// messages each in a child process (this test binary again), so that
// nothing else the tests did is in the figure, and reads the process's
// resident set from /proc before and after:
//
//	go test -run='^$' -bench=IndexRSS -benchtime=1x ./session/
//
// "corpus" cycles through the header blocks of testdata/corpus, each
// Subject made unique as in cmd/popgate-bench: senders and recipients
// repeat, as in a real mailbox. "distinct" gives every message a sender
// of its own (searchMsg), the index's worst case for ordinary mail.
const (
	rssIndexes  = 20
	rssMessages = 10000
	// rssProcessEnv makes TestIndexRSSProcess measure instead of skip;
	// its value names the mailbox.
	rssProcessEnv = "POPGATE_INDEX_RSS_PROCESS"
)

func BenchmarkIndexRSS(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, mailbox := range []string{"corpus", "distinct"} {
		b.Run(mailbox, func(b *testing.B) {
			var rss, counted float64
			for b.Loop() {
				cmd := exec.Command(exe, "-test.run=^TestIndexRSSProcess$")
				cmd.Env = append(os.Environ(), rssProcessEnv+"="+mailbox)
				cmd.Stderr = os.Stderr
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("the measuring process: %v\n%s", err, out)
				}
				if _, err := fmt.Sscanf(resultLine(out), "rss %g counted %g", &rss, &counted); err != nil {
					b.Fatalf("the measuring process printed %q: %v", out, err)
				}
			}
			b.ReportMetric(rss, "rss-B/entry")
			b.ReportMetric(counted, "counted-B/entry")
		})
	}
}

// resultLine returns the line of out that starts with "rss ".
func resultLine(out []byte) string {
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "rss ") {
			return line
		}
	}
	return ""
}

// TestIndexRSSProcess is the benchmark's child when rssProcessEnv is set:
// it prints the resident bytes per entry that the indexes added, once the
// garbage of building them went back to the system, and what they count.
func TestIndexRSSProcess(t *testing.T) {
	mailbox := os.Getenv(rssProcessEnv)
	if mailbox == "" {
		t.Skip("only a child process of BenchmarkIndexRSS measures")
	}
	env := distinctEnvelope
	if mailbox == "corpus" {
		env = corpusEnvelopes(t)
	}
	msgs := testMessages(rssMessages)
	sts := make([]*state, rssIndexes)
	for i := range sts {
		sts[i] = newState()
	}
	before := residentBytes(t)
	counted := 0
	for _, st := range sts {
		fillIndexOf(&st.idx, nil, msgs, env)
		counted += st.idx.bytes
	}
	after := residentBytes(t)
	runtime.KeepAlive(sts)
	runtime.KeepAlive(msgs)
	n := float64(rssIndexes * rssMessages)
	fmt.Printf("\nrss %.1f counted %.1f\n", float64(after-before)/n, float64(counted)/n)
}

// distinctEnvelope is message i of the "distinct" mailbox.
func distinctEnvelope(i int) Envelope { return testEnvelope(searchMsg(i + 1)) }

// corpusEnvelopes returns message i of the "corpus" mailbox: the corpus's
// header blocks parsed once, each Subject made unique.
func corpusEnvelopes(tb testing.TB) func(i int) Envelope {
	msgs, err := corpus.Load("../testdata/corpus")
	if err != nil {
		tb.Fatal(err)
	}
	envs := make([]Envelope, len(msgs))
	for i, m := range msgs {
		h := m.Data
		for _, sep := range []string{"\r\n\r\n", "\n\n"} {
			if j := bytes.Index(h, []byte(sep)); j >= 0 {
				h = h[:j+len(sep)]
				break
			}
		}
		envs[i] = testEnvelope(h)
	}
	return func(i int) Envelope {
		e := envs[i%len(envs)]
		e.Subject = fmt.Sprintf("%s (#%d)", e.Subject, i+1)
		return e
	}
}

// residentBytes returns the process's resident set, from /proc, after
// returning all the garbage it can to the system.
func residentBytes(tb testing.TB) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		tb.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(data))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		tb.Fatalf("/proc/self/statm = %q", data)
	}
	return pages * int64(os.Getpagesize())
}
