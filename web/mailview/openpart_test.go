package mailview

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"testing"
)

// base64Lines encodes b the way mailers do: 76 characters a line, CRLF.
func base64Lines(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	return strings.Join(append(lines, enc), "\r\n")
}

func quotedPrintable(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.String()
}

// testPayload returns n octets covering every byte value.
func testPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestOpenPart(t *testing.T) {
	bin := testPayload(5000)
	latin1 := []byte("Gr\xfc\xdfe aus K\xf6ln, " + strings.Repeat("long line ", 20) + "=end\r\nnext line\ttab \r\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	inner := crlf("Subject: inner", `Content-Type: multipart/mixed; boundary="inner"`, "",
		"--inner", "Content-Type: text/plain", "", "inner text",
		"--inner", `Content-Type: image/png; name="p.png"`, "Content-Transfer-Encoding: base64", "", base64Lines(png),
		"--inner--")
	raw := crlf("Subject: t", `Content-Type: multipart/mixed; boundary="outer"`, "",
		"--outer", "Content-Type: text/plain", "", "Hello",
		"--outer", `Content-Type: application/octet-stream; name="x.bin"`, "Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename="../../a.bin"`, "", base64Lines(bin),
		"--outer", `Content-Type: text/plain; charset=iso-8859-1; name="q.txt"`,
		"Content-Transfer-Encoding: quoted-printable", "Content-Disposition: attachment", "", quotedPrintable(latin1),
		"--outer", "Content-Type: message/rfc822", "", inner,
		"--outer", "Content-Type: application/octet-stream", "", "line1\r\nline2",
		"--outer--", "")
	tests := []struct {
		path, name, ctype string
		want              []byte
		err               error
	}{
		{"1", "attachment-1.txt", "text/plain", []byte("Hello"), nil},
		{"2", "a.bin", "application/octet-stream", bin, nil},
		{"3", "q.txt", "text/plain", latin1, nil},
		{"4", "attachment-4.eml", "message/rfc822", []byte(inner), nil},
		{"4.1", "attachment-4-1.txt", "text/plain", []byte("inner text"), nil},
		{"4.2", "p.png", "image/png", png, nil},
		{"5", "attachment-5.bin", "application/octet-stream", []byte("line1\r\nline2"), nil},
		{"", "", "", nil, ErrPartNotFound},
		{"6", "", "", nil, ErrPartNotFound},
		{"4.3", "", "", nil, ErrPartNotFound},
		{"x", "", "", nil, ErrPartNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			part, body, err := OpenPart(strings.NewReader(raw), tc.path)
			if !errors.Is(err, tc.err) {
				t.Fatalf("OpenPart(%q) error = %v, want %v", tc.path, err, tc.err)
			}
			if err != nil {
				return
			}
			got, err := io.ReadAll(body)
			if err != nil {
				t.Fatalf("reading OpenPart(%q) = %v", tc.path, err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("OpenPart(%q) content = %.80q (%d bytes), want %.80q (%d bytes)", tc.path, got, len(got), tc.want, len(tc.want))
			}
			if part.Path != tc.path || part.Filename != tc.name || part.ContentType != tc.ctype || part.Size != -1 {
				t.Errorf("OpenPart(%q) part = %+v, want path %q, name %q, type %q, size -1", tc.path, part, tc.path, tc.name, tc.ctype)
			}
		})
	}
	// Parse must list the same paths with the decoded sizes.
	m := mustParse(t, raw, Options{})
	var got []string
	for _, p := range allAttachments(m) {
		got = append(got, p.Path+":"+p.Filename+":"+itoa(p.Size))
	}
	want := "2:a.bin:5000 3:q.txt:" + itoa(int64(len(latin1))) + " 4:attachment-4.eml:" + itoa(int64(len(inner))) +
		" 5:attachment-5.bin:12 4.2:p.png:" + itoa(int64(len(png)))
	if strings.Join(got, " ") != want {
		t.Errorf("Parse() attachments = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestOpenPartSinglePart(t *testing.T) {
	raw := crlf("Subject: s", "Content-Type: application/pdf", "Content-Transfer-Encoding: base64", "", "JVBERi0=")
	for _, path := range []string{"", "1"} {
		part, body, err := OpenPart(strings.NewReader(raw), path)
		if err != nil {
			t.Fatalf("OpenPart(%q) error = %v, want nil", path, err)
		}
		got, _ := io.ReadAll(body)
		if string(got) != "%PDF-" || part.Path != "1" {
			t.Errorf("OpenPart(%q) = %+v, %q, want path 1, %q", path, part, got, "%PDF-")
		}
	}
}

var errBroken = errors.New("connection reset")

// brokenReader fails after n octets.
type brokenReader struct {
	r io.Reader
	n int
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errBroken
	}
	n, err := b.r.Read(p[:min(len(p), b.n)])
	b.n -= n
	return n, err
}

func TestReaderErrors(t *testing.T) {
	raw := crlf("Subject: s", "Content-Type: application/octet-stream", "", strings.Repeat("x", 100000))
	if _, err := Parse(&brokenReader{strings.NewReader(raw), 100}, Options{}); !errors.Is(err, errBroken) {
		t.Errorf("Parse() error = %v, want %v", err, errBroken)
	}
	if _, _, err := OpenPart(&brokenReader{strings.NewReader(raw), 10}, "1"); !errors.Is(err, errBroken) {
		t.Errorf("OpenPart() error = %v, want %v", err, errBroken)
	}
	// Failing after the first buffer fill: the part opens, its stream fails.
	_, body, err := OpenPart(&brokenReader{strings.NewReader(raw), 70000}, "1")
	if err != nil {
		t.Fatalf("OpenPart() error = %v, want nil", err)
	}
	if _, err := io.ReadAll(body); !errors.Is(err, errBroken) {
		t.Errorf("reading OpenPart() body error = %v, want %v", err, errBroken)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
