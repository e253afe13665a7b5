package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"popgate/web/mailview"
)

func TestDistinct(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
	}{
		{"lf", "From: a@example.test\nSubject: Hello\n  world\nMessage-ID: <x@y>\nTo: b@example.test\n\nbody\n"},
		{"crlf", "From: a@example.test\r\nMessage-ID:\r\n <x@y>\r\nSubject: Hello world\r\n\r\nbody\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := distinct([]byte(tc.msg), 42)
			sum := mailview.Summarize(header(got))
			if sum.Subject != "Hello world (#42)" {
				t.Errorf("Subject = %q, want %q", sum.Subject, "Hello world (#42)")
			}
			if n := bytes.Count(got, []byte("Message-ID:")); n != 1 {
				t.Errorf("Message-ID fields = %d, want 1\n%s", n, got)
			}
			if !bytes.HasSuffix(got, []byte("body"+map[bool]string{true: "\r\n", false: "\n"}[tc.name == "crlf"])) {
				t.Errorf("body changed:\n%s", got)
			}
			if bytes.Contains(got, []byte("<x@y>")) {
				t.Errorf("old Message-ID kept:\n%s", got)
			}
		})
	}
}

func TestAttachmentPart(t *testing.T) {
	const size = 100_000
	part, r, err := mailview.OpenPart(bytes.NewReader(attachmentMessage(size)), attachmentPart)
	if err != nil {
		t.Fatalf("OpenPart() = %v", err)
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil || n != size || part.Filename != "archive.bin" {
		t.Errorf("attachment = %q, %d octets, %v; want archive.bin, %d octets", part.Filename, n, err, size)
	}
}

func TestHTMLMessage(t *testing.T) {
	msg := htmlMessage(1 << 20)
	if len(msg) < 900<<10 || len(msg) > 1200<<10 {
		t.Errorf("len(htmlMessage(1 MiB)) = %d", len(msg))
	}
	m, err := mailview.Parse(bytes.NewReader(msg), mailview.Options{})
	if err != nil || !strings.Contains(m.HTML, "Article 10") {
		t.Errorf("Parse() = %v, HTML has %d octets without the articles", err, len(m.HTML))
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {0, 1}} {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil, 50) = %v, want 0", got)
	}
}

func TestPrintTable(t *testing.T) {
	var b strings.Builder
	printTable(&b, []row{{figure: "a|b", measured: "1", floor: "2", ratio: "0.5", target: "t", met: "yes"}})
	want := "| figure | measured | floor (same run) | ratio | target | met? |\n|---|---|---|---|---|---|\n| a\\|b | 1 | 2 | 0.5 | t | yes |\n"
	if b.String() != want {
		t.Errorf("printTable() =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseFlags(t *testing.T) {
	c, err := parseFlags([]string{"-short"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(-short) = %v", err)
	}
	if c.Messages != 500 || c.Attachment != 5<<20 || c.Sessions != 100 || c.Load != time.Second {
		t.Errorf("parseFlags(-short) = %+v, want the short preset", c)
	}
	if _, err := parseFlags([]string{"-sessions", "2000"}, io.Discard); err == nil {
		t.Errorf("parseFlags(-sessions 2000) = nil error, want one")
	}
}

// TestFindCorpus: the default corpus is found from a sub-folder of the
// checkout (tests run in cmd/popgate-bench), and a missing one names the
// flag that fixes it.
func TestFindCorpus(t *testing.T) {
	dir, err := findCorpus(defaultCorpus)
	if err != nil {
		t.Fatalf("findCorpus(%q) = %v", defaultCorpus, err)
	}
	if msgs, err := loadCorpus(dir); err != nil || len(msgs) < 100 {
		t.Errorf("loadCorpus(%q) = %d messages, %v; want the corpus", dir, len(msgs), err)
	}
	if _, err := findCorpus("no/such/corpus"); err == nil || !strings.Contains(err.Error(), "-corpus") {
		t.Errorf("findCorpus(missing) = %v, want an error naming -corpus", err)
	}
}

// TestPlainMessage: the bytes figure's message is plain text, on the first
// inbox page, and neither of the two large messages.
func TestPlainMessage(t *testing.T) {
	corpus, err := loadCorpus(defaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	m := newMailbox(corpus, 500, 1<<10, 1<<10)
	num, err := plainMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	if num > m.n-2 || num <= m.n-50 {
		t.Errorf("plainMessage() = %d, want one of the newest 50 but the two large ones (%d, %d)", num, m.n-1, m.n)
	}
	parsed, err := mailview.Parse(bytes.NewReader(m.message(num)), mailview.Options{})
	if err != nil {
		t.Fatalf("message %d: %v", num, err)
	}
	if parsed.HTML != "" || parsed.Text == "" || len(parsed.Attachments) != 0 {
		t.Errorf("message %d: HTML %d octets, text %d, %d attachments; want plain text", num, len(parsed.HTML), len(parsed.Text), len(parsed.Attachments))
	}
}
