package pop3

import "net"

// tlsRecordHeader is the size of a TLS record's header: type, version and
// a 16-bit length (RFC 8446 section 5.1).
const tlsRecordHeader = 5

// recordConn is the TCP connection under a tls.Conn. It hands crypto/tls
// one TLS record at a time: the header in one Read, the body in the next,
// never a byte of the following record. crypto/tls keeps the bytes it read
// in a buffer that it never shrinks, and grows that buffer to twice its
// size whenever the start of another record sits behind a full one; with
// whole records only, the buffer stays at one record's size (about 17 KiB)
// for the life of the connection. The price is a second read per record.
//
// The headers are plaintext by design; recordConn only counts octets, and
// whatever they hold is crypto/tls's to judge.
type recordConn struct {
	net.Conn
	hdr  [tlsRecordHeader]byte
	nhdr int // octets of hdr read
	left int // octets of the current record's body still to read
}

func (c *recordConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.left > 0 {
		n, err := c.Conn.Read(p[:min(len(p), c.left)])
		c.left -= n
		return n, err
	}
	n, err := c.Conn.Read(p[:min(len(p), tlsRecordHeader-c.nhdr)])
	copy(c.hdr[c.nhdr:], p[:n])
	c.nhdr += n
	if c.nhdr == tlsRecordHeader {
		c.nhdr = 0
		c.left = int(c.hdr[3])<<8 | int(c.hdr[4])
	}
	return n, err
}
