package harvest

import (
	"net"
	"sync"
	"time"
)

// DefaultStutterDelay is the pause before each octet written by a
// StutterConn: OpenBSD spamd's default (-s 1: one character a second).
const DefaultStutterDelay = time.Second

// StutterConn is a connection that writes slowly, an octet at a time
// with a pause before each, as OpenBSD spamd "stutters" its replies to
// tarpitted clients: a spambot holding the connection open wastes its
// time and its sockets, a real MTA waits (it must wait minutes for a
// reply, RFC 5321 §4.5.3.2). Reads are not slowed.
//
// Set Conn (and the other fields) before the first Write. A
// StutterConn is safe for one writer and one reader at a time, and Close
// may be called from any goroutine: it ends a stuttering Write at once.
type StutterConn struct {
	net.Conn
	// Delay is the pause before each octet. If zero,
	// DefaultStutterDelay.
	Delay time.Duration
	// For, if set, limits stuttering to the first For of the
	// connection, counted from the first Write (spamd -S: greylisted
	// clients are stuttered at for the first 10 s only); after it writes
	// go through at once. If zero, the whole connection stutters.
	For time.Duration

	once   sync.Once
	start  time.Time
	closed chan struct{}
	close  sync.Once
}

func (c *StutterConn) init() {
	c.once.Do(func() {
		c.closed = make(chan struct{})
		c.start = time.Now()
	})
}

// Write writes p an octet at a time, pausing Delay before each, while
// the stuttering span lasts; the rest at once. It returns early with
// net.ErrClosed if the connection is closed meanwhile.
func (c *StutterConn) Write(p []byte) (int, error) {
	c.init()
	d := c.Delay
	if d <= 0 {
		d = DefaultStutterDelay
	}
	t := time.NewTimer(0)
	<-t.C
	defer t.Stop()
	for i := range p {
		if c.For > 0 && time.Since(c.start) >= c.For {
			n, err := c.Conn.Write(p[i:])
			return i + n, err
		}
		t.Reset(d)
		select {
		case <-t.C:
		case <-c.closed:
			return i, net.ErrClosed
		}
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// Close closes the connection, ending a Write under way.
func (c *StutterConn) Close() error {
	c.init()
	c.close.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// Unwrap returns the underlying connection.
func (c *StutterConn) Unwrap() net.Conn { return c.Conn }
