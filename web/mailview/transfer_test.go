package mailview

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"testing"
)

// TestBase64Chunks checks the chunked decoder against a decoder that goes
// one character at a time, on bodies with damage, padding and white space
// in odd places, read in pieces of every size.
func TestBase64Chunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for range 2000 {
		var src []byte
		if rng.IntN(3) == 0 {
			// A sound body: padded blocks in lines of any length, the
			// case encoding/base64 decodes whole.
			for range 1 + rng.IntN(3) {
				raw := make([]byte, rng.IntN(300))
				for i := range raw {
					raw[i] = byte(rng.Uint32())
				}
				enc := base64.StdEncoding.EncodeToString(raw)
				for w := 1 + rng.IntN(80); len(enc) > 0; enc = enc[min(w, len(enc)):] {
					src = append(append(src, enc[:min(w, len(enc))]...), "\r\n"[rng.IntN(2):]...)
				}
			}
		}
		for range rng.IntN(400) * rng.IntN(2) {
			switch r := rng.IntN(100); {
			case r < 3:
				src = append(src, '=')
			case r < 6:
				src = append(src, "\r\n"[rng.IntN(2)])
			case r < 7:
				src = append(src, '*')
			default:
				src = append(src, alphabet[rng.IntN(64)])
			}
		}
		want, wantDamaged := referenceBase64(src)
		tr := &transfer{}
		got, err := io.ReadAll(io.LimitReader(&base64Reader{r: &chunkReader{src: src, rng: rng}, t: tr}, 1<<20))
		if err != nil || !bytes.Equal(got, want) || tr.damaged != wantDamaged {
			t.Fatalf("decode(%q) = %x, damaged %v, %v; want %x, damaged %v", src, got, tr.damaged, err, want, wantDamaged)
		}
	}
}

// chunkReader returns src in pieces of random size.
type chunkReader struct {
	src []byte
	rng *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.src) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.rng.IntN(90))], c.src)
	c.src = c.src[n:]
	return n, nil
}

func referenceBase64(src []byte) ([]byte, bool) {
	var out []byte
	var quad [4]byte
	n, damaged := 0, false
	flush := func() {
		switch n {
		case 1:
			damaged = true
		case 2:
			out = append(out, quad[0]<<2|quad[1]>>4)
		case 3:
			out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2)
		}
		n = 0
	}
	for _, c := range src {
		switch v := b64Value(c); {
		case v >= 0:
			quad[n] = byte(v)
			if n++; n == 4 {
				out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2, quad[2]<<6|quad[3])
				n = 0
			}
		case c == '=':
			flush()
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			damaged = true
		}
	}
	flush()
	return out, damaged
}
