package demo

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
)

const noSubjectFile = "29-no-subject.eml"

// named pairs each message with the name of the file it came from.
type named struct {
	name string
	raw  []byte
}

func mailbox(t *testing.T) []named {
	t.Helper()
	entries, err := fs.ReadDir(files, "mail")
	if err != nil {
		t.Fatal(err)
	}
	msgs := Messages()
	if len(msgs) != len(entries) {
		t.Fatalf("Messages() returned %d messages for %d files", len(msgs), len(entries))
	}
	out := make([]named, len(msgs))
	for i, e := range entries {
		out[i] = named{e.Name(), msgs[i]}
	}
	return out
}

func TestMailboxShape(t *testing.T) {
	box := mailbox(t)
	if n := len(box); n < 28 || n > 32 {
		t.Errorf("%d messages, want about 30", n)
	}
	total := 0
	for i, m := range box {
		total += len(m.raw)
		if want := fmt.Sprintf("%02d-", i+1); !strings.HasPrefix(m.name, want) {
			t.Errorf("file %d is %q, want a name starting with %q", i+1, m.name, want)
		}
	}
	if total >= 1<<20 {
		t.Errorf("mailbox is %d bytes, want under 1 MB", total)
	}
	t.Logf("%d messages, %d bytes", len(box), total)

	// Every call hands out its own copies.
	a, b := Messages(), Messages()
	a[0][0] = 'X'
	if b[0][0] == 'X' {
		t.Error("Messages() results share memory")
	}
}

func TestCRLF(t *testing.T) {
	for _, m := range mailbox(t) {
		b := m.raw
		for i, c := range b {
			if c == '\n' && (i == 0 || b[i-1] != '\r') {
				t.Errorf("%s: bare LF at offset %d", m.name, i)
				break
			}
			if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
				t.Errorf("%s: bare CR at offset %d", m.name, i)
				break
			}
		}
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Errorf("%s: does not end in CRLF", m.name)
		}
		hdr, _, ok := bytes.Cut(b, []byte("\r\n\r\n"))
		if !ok {
			t.Errorf("%s: no blank line after the header", m.name)
		}
		for n, line := range bytes.Split(b, []byte("\r\n")) {
			if len(line) > 998 {
				t.Errorf("%s: line %d is %d octets long", m.name, n+1, len(line))
			}
		}
		for i, c := range hdr {
			if c >= 0x80 || c == 0 {
				t.Errorf("%s: header byte %#x at offset %d is not 7-bit ASCII", m.name, c, i)
				break
			}
		}
	}
}

func TestCRLFNormalises(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"a\nb\n":            "a\r\nb\r\n",
		"a\r\nb\r\n":        "a\r\nb\r\n",
		"a\rb":              "a\r\nb\r\n",
		"a\n\nb\r\n\r\n.\n": "a\r\n\r\nb\r\n\r\n.\r\n",
	} {
		if got := string(crlf([]byte(in))); got != want {
			t.Errorf("crlf(%q) = %q, want %q", in, got, want)
		}
	}
}

// parsed is what TestParse learns about one message.
type parsed struct {
	subject     string
	text        strings.Builder // every decoded text/* part, concatenated
	contentType []string        // media types of the leaf parts
	filenames   []string
	bodies      map[string][]byte // decoded attachment bodies by file name
}

// mimeHeader is what both mail.InlineHeader and mail.AttachmentHeader offer.
type mimeHeader interface {
	Get(key string) string
	ContentType() (string, map[string]string, error)
	ContentDisposition() (string, map[string]string, error)
}

// walk parses a complete message and decodes every part, descending into
// attached messages.
func walk(t *testing.T, name string, raw []byte, p *parsed, depth int) *mail.Header {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: CreateReader: %v", name, err)
	}
	defer mr.Close()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: NextPart: %v", name, err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("%s: reading a part: %v", name, err)
		}
		ph, ok := part.Header.(mimeHeader)
		if !ok {
			t.Fatalf("%s: part header of unexpected type %T", name, part.Header)
		}
		ct, _, err := ph.ContentType()
		if err != nil {
			t.Fatalf("%s: Content-Type %q: %v", name, ph.Get("Content-Type"), err)
		}
		p.contentType = append(p.contentType, ct)
		if ph.Get("Content-Disposition") != "" {
			if _, _, err := ph.ContentDisposition(); err != nil {
				t.Fatalf("%s: Content-Disposition %q: %v", name, ph.Get("Content-Disposition"), err)
			}
		}
		var fn string
		switch h := part.Header.(type) {
		case *mail.AttachmentHeader:
			if fn, err = h.Filename(); err != nil {
				t.Fatalf("%s: attachment file name: %v", name, err)
			}
		case *mail.InlineHeader:
			_, params, _ := h.ContentDisposition()
			fn = params["filename"]
		}
		if fn != "" {
			p.filenames = append(p.filenames, fn)
			p.bodies[fn] = body
		}
		switch {
		case ct == "message/rfc822":
			if depth > 2 {
				t.Fatalf("%s: messages nested too deeply", name)
			}
			walk(t, name+" (attached message)", body, p, depth+1)
		case strings.HasPrefix(ct, "text/"):
			if !utf8.Valid(body) || bytes.ContainsRune(body, utf8.RuneError) {
				t.Errorf("%s: %s part does not decode to clean UTF-8", name, ct)
			}
			p.text.Write(body)
			p.text.WriteString("\n")
		}
	}
	return &mr.Header
}

func TestParse(t *testing.T) {
	var (
		prev    time.Time
		ids     = map[string]string{}
		noSubj  int
		infos   = map[string]*parsed{}
		headers = map[string]*mail.Header{}
	)
	for _, m := range mailbox(t) {
		p := &parsed{bodies: map[string][]byte{}}
		h := walk(t, m.name, m.raw, p, 0)
		infos[m.name], headers[m.name] = p, h

		from, err := h.AddressList("From")
		if err != nil || len(from) != 1 {
			t.Errorf("%s: From %q: %v", m.name, h.Get("From"), err)
		}
		to, err := h.AddressList("To")
		if err != nil {
			t.Errorf("%s: To: %v", m.name, err)
		}
		toDemo := false
		for _, a := range to {
			toDemo = toDemo || a.Address == "demo@example.com"
		}
		if !toDemo {
			t.Errorf("%s: To %q does not include demo@example.com", m.name, h.Get("To"))
		}

		date, err := h.Date()
		if err != nil {
			t.Errorf("%s: Date: %v", m.name, err)
		}
		if !date.After(prev) {
			t.Errorf("%s: Date %v is not after the previous message's %v", m.name, date, prev)
		}
		prev = date
		if y, mo, _ := date.UTC().Date(); y != 2026 || mo != time.November {
			t.Errorf("%s: Date %v is not in November 2026", m.name, date)
		}

		p.subject, err = h.Subject()
		if err != nil {
			t.Errorf("%s: Subject: %v", m.name, err)
		}
		if m.name == noSubjectFile {
			noSubj++
			if h.Has("Subject") {
				t.Errorf("%s: has a Subject field, want none", m.name)
			}
		} else if strings.TrimSpace(p.subject) == "" {
			t.Errorf("%s: empty Subject", m.name)
		}

		id, err := h.MessageID()
		if err != nil || id == "" {
			t.Errorf("%s: Message-ID %q: %v", m.name, h.Get("Message-ID"), err)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s: Message-ID %q already used by %s", m.name, id, other)
		}
		ids[id] = m.name

		if h.Has("Content-Type") && h.Get("MIME-Version") != "1.0" {
			t.Errorf("%s: MIME content without MIME-Version: 1.0", m.name)
		}
	}
	if noSubj != 1 {
		t.Errorf("found %s %d times, want once", noSubjectFile, noSubj)
	}
	if newest := prev.UTC().Format(time.DateOnly); newest != "2026-11-25" {
		t.Errorf("newest message is from %s, want 2026-11-25", newest)
	}

	t.Run("content", func(t *testing.T) { checkContent(t, infos) })
	t.Run("thread", func(t *testing.T) { checkThread(t, headers, ids) })
}

// checkContent looks for what each message is there to show, after decoding.
func checkContent(t *testing.T, infos map[string]*parsed) {
	want := []struct {
		file, subject, text string
	}{
		{"02-gluehweinabend.eml", "Einladung zum Glühweinabend", "draußen am Feuerkorb"},
		{"03-pumpkin-soup.eml", "Pumpkin soup", "> What was in that soup?"},
		{"05-weekly-sprout.eml", "Weekly Sprout", `src="https://track.example.com/open/7f3a9c.gif"`},
		{"08-lyon.eml", "Week-end à Lyon, ça te dit ?", "Fête des Lumières"},
		{"09-energy-report.eml", "energy report", `src="cid:usage-chart.c4d2e8@brightwater.example.net"`},
		{"10-garden-agm-minutes.eml", "spring open day", "ELECTION OF OFFICERS"},
		{"12-privet-iz-peterburga.eml", "Привет из Петербурга", "выпал первый снег"},
		{"14-re-cello.eml", "Re: Where do I start", "> > Come to our open rehearsal"},
		{"16-bonenkai.eml", "忘年会のお知らせ（12月18日）", "居酒屋「みなと」"},
		{"19-huoguo.eml", "周末一起吃火锅吧", "桂花糕"},
		{"21-cafe-rota.eml", "Café rota", "ROTA FOR DECEMBER"},
		{"22-fwd-library-books.eml", "Fwd:", "A Field Guide to Winter Birds"},
		{"23-kalimera-athina.eml", "Καλημέρα από την Αθήνα", "καφενείο στην Πλάκα"},
		{"24-surprise-party.eml", "🎂 Surprise party for Sam next Saturday 🎉", "👋"},
		{"25-invitation-dress-rehearsal.eml", "Invitation:", "BEGIN:VEVENT"},
		{"26-order-shipped.eml", "order #48213", "<table"},
		{"27-dotfiles.eml", "Dotfiles", "\n.\n..\n...\n"},
		{"28-undelivered-mail.eml", "Undelivered", "Subject: Photos from the weekend"},
	}
	for _, w := range want {
		p := infos[w.file]
		if p == nil {
			t.Errorf("%s: missing", w.file)
			continue
		}
		if !strings.Contains(p.subject, w.subject) {
			t.Errorf("%s: Subject %q does not contain %q", w.file, p.subject, w.subject)
		}
		text := strings.ReplaceAll(p.text.String(), "\r\n", "\n")
		if !strings.Contains(text, w.text) {
			t.Errorf("%s: decoded text does not contain %q", w.file, w.text)
		}
	}

	if s := infos["10-garden-agm-minutes.eml"].subject; len(s) < 150 {
		t.Errorf("long subject is only %d characters", len(s))
	}

	types := map[string]string{
		"05-weekly-sprout.eml":              "text/html",
		"09-energy-report.eml":              "image/png",
		"22-fwd-library-books.eml":          "message/rfc822",
		"25-invitation-dress-rehearsal.eml": "text/calendar",
		"28-undelivered-mail.eml":           "message/delivery-status",
	}
	for file, ct := range types {
		found := false
		for _, c := range infos[file].contentType {
			found = found || c == ct
		}
		if !found {
			t.Errorf("%s: no %s part among %v", file, ct, infos[file].contentType)
		}
	}
	if ct := infos["26-order-shipped.eml"].contentType; len(ct) != 1 || ct[0] != "text/html" {
		t.Errorf("26-order-shipped.eml: parts %v, want a single text/html", ct)
	}

	attachments := []struct{ file, name string }{
		{"06-invoice-pdf.eml", "INV-2026-1187.pdf"},
		{"09-energy-report.eml", "usage-chart.png"},
		{"13-choir-budget.eml", "choir-budget-2027.csv"},
		{"17-view-from-the-top.eml", "greyhorn-sketch.png"},
		{"18-cv-volunteer-coordinator.eml", "Résumé.txt"}, // RFC 2231
		{"21-cafe-rota.eml", "Café rota – December.txt"},  // RFC 2047
	}
	for _, a := range attachments {
		p := infos[a.file]
		if _, ok := p.bodies[a.name]; !ok {
			t.Errorf("%s: no attachment named %q among %q", a.file, a.name, p.filenames)
		}
	}

	for file, size := range map[string][2]int{
		"09-energy-report.eml/usage-chart.png":         {64, 32},
		"17-view-from-the-top.eml/greyhorn-sketch.png": {120, 80},
	} {
		f, name, _ := strings.Cut(file, "/")
		cfg, err := png.DecodeConfig(bytes.NewReader(infos[f].bodies[name]))
		if err != nil {
			t.Errorf("%s: %v", file, err)
		} else if cfg.Width != size[0] || cfg.Height != size[1] {
			t.Errorf("%s: %dx%d, want %dx%d", file, cfg.Width, cfg.Height, size[0], size[1])
		}
	}

	checkPDF(t, infos["06-invoice-pdf.eml"].bodies["INV-2026-1187.pdf"])

	csv := string(infos["13-choir-budget.eml"].bodies["choir-budget-2027.csv"])
	if !strings.HasPrefix(csv, "Category,Item,") || strings.Count(csv, "\n") < 10 {
		t.Errorf("CSV attachment looks wrong: %q", csv)
	}
}

// checkPDF checks that the cross-reference table points at the objects.
func checkPDF(t *testing.T, pdf []byte) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		t.Fatalf("PDF attachment lacks its header or trailer")
	}
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("PDF: no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref")) {
		t.Fatalf("PDF: startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n`).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) == 0 {
		t.Fatal("PDF: empty xref table")
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("PDF: xref entry %d points at %q, want %q", i+1, pdf[off:off+10], want)
		}
	}
}

// checkThread checks that every reply refers to messages that came before it.
func checkThread(t *testing.T, headers map[string]*mail.Header, ids map[string]string) {
	replies := 0
	for file, h := range headers {
		subj, _ := h.Subject()
		if subj != "Re: Cabin weekend in December" {
			continue
		}
		replies++
		parents, err := h.MsgIDList("In-Reply-To")
		if err != nil || len(parents) != 1 {
			t.Errorf("%s: In-Reply-To %q: %v", file, h.Get("In-Reply-To"), err)
			continue
		}
		refs, err := h.MsgIDList("References")
		if err != nil || len(refs) == 0 || refs[len(refs)-1] != parents[0] {
			t.Errorf("%s: References %q should end with the In-Reply-To id", file, h.Get("References"))
		}
		for _, r := range refs {
			if prev, ok := ids[r]; !ok || prev >= file {
				t.Errorf("%s: refers to <%s>, which is not an earlier message", file, r)
			}
		}
	}
	if replies < 5 {
		t.Errorf("thread has %d replies, want at least 5", replies)
	}
}
