package mailview

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"runtime"
	"strings"
	"testing"
)

// prng is a deterministic source of attachment bytes (xorshift64).
type prng struct {
	state uint64
	left  int
}

func (p *prng) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := min(len(b), p.left)
	for i := range n {
		p.state ^= p.state << 13
		p.state ^= p.state >> 7
		p.state ^= p.state << 17
		b[i] = byte(p.state)
	}
	p.left -= n
	return n, nil
}

// base64LineReader encodes src as base64 in 76-character CRLF lines on the
// fly, so that a large message never exists in memory.
type base64LineReader struct {
	src  io.Reader
	raw  [57]byte
	line [78]byte
	out  []byte
	done bool
}

func (r *base64LineReader) Read(p []byte) (int, error) {
	if len(r.out) == 0 {
		if r.done {
			return 0, io.EOF
		}
		n, err := io.ReadFull(r.src, r.raw[:])
		if n == 0 {
			return 0, io.EOF
		}
		r.done = err != nil
		m := base64.StdEncoding.EncodedLen(n)
		base64.StdEncoding.Encode(r.line[:m], r.raw[:n])
		r.line[m], r.line[m+1] = '\r', '\n'
		r.out = r.line[:m+2]
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// TestOpenPartStreams reads a generated 30 MB base64 attachment through
// OpenPart and checks that it arrives intact while the memory allocated
// along the way stays far below its size: nothing buffers the part.
func TestOpenPartStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("30 MB streaming test skipped in -short mode")
	}
	const size = 30 << 20
	head := crlf("Subject: big", `Content-Type: multipart/mixed; boundary="b"`, "",
		"--b", "Content-Type: text/plain", "", "see attached",
		"--b", `Content-Type: application/octet-stream; name="big.bin"`, "Content-Transfer-Encoding: base64", "", "")
	msg := io.MultiReader(strings.NewReader(head), &base64LineReader{src: &prng{state: 42, left: size}},
		strings.NewReader("--b--\r\n"))

	want := sha256.New()
	if n, _ := io.Copy(want, &prng{state: 42, left: size}); n != size {
		t.Fatalf("generator produced %d bytes, want %d", n, size)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	part, body, err := OpenPart(msg, "2")
	if err != nil {
		t.Fatalf("OpenPart() error = %v, want nil", err)
	}
	got := sha256.New()
	n, err := io.Copy(got, body)
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("io.Copy(OpenPart()) = %d, %v, want %d, nil", n, err, size)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) || part.Filename != "big.bin" {
		t.Errorf("OpenPart() = %q with content differing from the attachment, want big.bin intact", part.Filename)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("OpenPart() allocated %d bytes while streaming %d, want under 4 MiB", alloc, size)
	} else {
		t.Logf("OpenPart() allocated %d KiB while streaming %d MiB", alloc>>10, size>>20)
	}

	// Parse streams the attachment too, to learn its size.
	msg = io.MultiReader(strings.NewReader(head), &base64LineReader{src: &prng{state: 42, left: size}},
		strings.NewReader("--b--\r\n"))
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Parse(msg, Options{})
	runtime.ReadMemStats(&after)
	if err != nil || len(m.Attachments) != 1 || m.Attachments[0].Size != size {
		t.Fatalf("Parse() = %+v, %v, want one attachment of %d bytes", m.Attachments, err, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Parse() allocated %d bytes for a %d-byte attachment, want under 4 MiB", alloc, size)
	}
}
