package harvest

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
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

	once     sync.Once
	start    time.Time
	closed   chan struct{}
	close    sync.Once
	deadline atomic.Int64 // write deadline, Unix ns; 0 for none
}

func (c *StutterConn) init() {
	c.once.Do(func() {
		c.closed = make(chan struct{})
		c.start = time.Now()
	})
}

// Write writes p an octet at a time, pausing Delay before each, while
// the stuttering span lasts; the rest at once. It returns early with
// net.ErrClosed if the connection is closed meanwhile, and with
// os.ErrDeadlineExceeded when the write deadline (SetWriteDeadline,
// SetDeadline) comes during a pause, as a slow network write would.
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
		wait, late := d, false
		if dl := c.deadline.Load(); dl != 0 {
			if left := time.Until(time.Unix(0, dl)); left < wait {
				wait, late = max(left, 0), true
			}
		}
		t.Reset(wait)
		select {
		case <-t.C:
		case <-c.closed:
			return i, net.ErrClosed
		}
		if late {
			return i, os.ErrDeadlineExceeded
		}
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// SetWriteDeadline sets the write deadline of the connection and of the
// stuttering pauses.
func (c *StutterConn) SetWriteDeadline(t time.Time) error {
	c.setDeadline(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets the read and write deadlines of the connection and
// the deadline of the stuttering pauses.
func (c *StutterConn) SetDeadline(t time.Time) error {
	c.setDeadline(t)
	return c.Conn.SetDeadline(t)
}

func (c *StutterConn) setDeadline(t time.Time) {
	if t.IsZero() {
		c.deadline.Store(0)
	} else {
		c.deadline.Store(max(t.UnixNano(), 1))
	}
}

// Close closes the connection, ending a Write under way.
func (c *StutterConn) Close() error {
	c.init()
	c.close.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// Unwrap returns the underlying connection.
func (c *StutterConn) Unwrap() net.Conn { return c.Conn }
