package main

import (
	"bufio"
	"net"
	"sync"
	"time"
)

// bufListener gives go-milter connections that buffer both ways.
//
// go-milter reads each packet with two reads (its 4-byte length, then
// the rest) and writes each with two writes (length and command, then
// the data): some 40 system calls per message, a quarter of the
// milter's CPU time under Postfix. Reads go through a bufio.Reader, so
// that the header fields Postfix sends back to back (the milter asks
// for no reply to them) arrive in one read; writes are held until the
// milter next waits for the MTA (a Read that would block), so that an
// end of message's header insertions and its verdict leave in one
// write.
type bufListener struct {
	net.Listener
	writeTimeout time.Duration
}

func (l bufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newBufConn(c, l.writeTimeout), nil
}

// maxPending is how many written bytes a bufConn holds before it sends
// them without waiting for a read: a replaced body is written in 64 KiB
// packets.
const maxPending = 64 << 10

// bufConn is a net.Conn whose reads are buffered and whose writes are
// sent when the connection next waits for input (Read with nothing
// buffered), when more than maxPending bytes wait, when a progress
// packet is written (it exists to reach the MTA at once), and on Close.
// A write's error is returned by the Read (or Close) that sends it. A
// held write is sent under its own deadline, writeTimeout from the time
// it is sent, as go-milter's write timeout would bound it.
//
// Reads and writes come from one goroutine (go-milter's session);
// Close may come from another (the server's shutdown).
type bufConn struct {
	net.Conn
	r            *bufio.Reader
	writeTimeout time.Duration

	mu      sync.Mutex
	pending []byte
}

func newBufConn(c net.Conn, writeTimeout time.Duration) *bufConn {
	return &bufConn{Conn: c, r: bufio.NewReader(c), writeTimeout: writeTimeout}
}

func (c *bufConn) Read(p []byte) (int, error) {
	if c.r.Buffered() == 0 {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return c.r.Read(p)
}

// progressPacket is the start of SMFIR_PROGRESS as go-milter writes it:
// the packet's length (1) and its command byte, in one Write.
var progressPacket = [5]byte{0, 0, 0, 1, 'p'}

func (c *bufConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.pending = append(c.pending, p...)
	now := len(c.pending) > maxPending || len(p) == 5 && [5]byte(p) == progressPacket
	c.mu.Unlock()
	if now {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// flush sends the held writes.
func (c *bufConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return nil
	}
	if c.writeTimeout > 0 {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	_, err := c.Conn.Write(c.pending)
	if c.writeTimeout > 0 {
		_ = c.Conn.SetWriteDeadline(time.Time{})
	}
	if cap(c.pending) > 2*maxPending {
		c.pending = nil
	} else {
		c.pending = c.pending[:0]
	}
	return err
}

// Close sends what is held, then closes the connection. A Close while
// a send is under way (the server shutting a stuck session down from
// another goroutine) closes at once, which ends that send.
func (c *bufConn) Close() error {
	var ferr error
	if c.mu.TryLock() {
		c.mu.Unlock()
		ferr = c.flush()
	}
	if err := c.Conn.Close(); err != nil {
		return err
	}
	return ferr
}
