package pop3

import (
	"bytes"
	"io"
	"net"
	"testing"
	"testing/iotest"
)

// readerConn is a net.Conn that reads from r.
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestRecordConn(t *testing.T) {
	var wire []byte
	var want [][]byte // the records, header and body apart
	for _, size := range []int{0, 1, 300, 16384 + 256, 7} {
		hdr := []byte{23, 3, 3, byte(size >> 8), byte(size)}
		body := bytes.Repeat([]byte{byte(size)}, size)
		wire = append(append(wire, hdr...), body...)
		want = append(want, hdr)
		if size > 0 {
			want = append(want, body)
		}
	}
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(wire)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		checkRecords(t, &recordConn{Conn: readerConn{r: r}}, want)
	}
}

// checkRecords reads want, piece by piece, from c.
func checkRecords(t *testing.T, c *recordConn, want [][]byte) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for i, w := range want {
		var got []byte
		for len(got) < len(w) {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("Read() after %d records = %v", i, err)
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("piece %d = %d octets, want %d (a read crossed a record's end)", i, len(got), len(w))
		}
	}
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("Read() at the end = %d, %v, want 0, EOF", n, err)
	}
}
