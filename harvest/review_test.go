package harvest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestEvictionKeepsManyBlocks: a distributed harvest blocks many clients
// one after another (neighbours in the table); a flood of new addresses
// must recycle its own entries, not unblock the harvesters, while cold
// unblocked entries remain.
func TestEvictionKeepsManyBlocks(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{MaxClients: 64, DHAUnknown: 2}, Now: clk.Now}
	var bad []netip.Addr
	for i := range 20 {
		ip := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
		mustRcpt(t, c, ip, Unknown, 1)
		if o := mustRcpt(t, c, ip, Unknown, 2); !errors.Is(o.Err, ErrHarvest) {
			t.Fatalf("verdict on %v: %v", ip, o)
		}
		bad = append(bad, ip)
	}
	for i := range 5_000 {
		mustRcpt(t, c, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Known, 1)
	}
	for _, ip := range bad {
		if o := mustRcpt(t, c, ip, Known, 1); !errors.Is(o.Err, ErrBlocked) {
			t.Errorf("%v after the flood: %v, want still blocked", ip, o)
		}
	}
}

// deadlineConn is a net.Conn whose Read cancels a context and returns
// data, and whose SetReadDeadline to a past instant (the cancellation's)
// is slow: it lands only after the next deadline change.
type deadlineConn struct {
	net.Conn
	cancel  context.CancelFunc
	mu      sync.Mutex
	last    time.Time
	cleared chan struct{} // closed by the first zero deadline
	past    chan struct{} // closed when the past deadline has landed
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.cancel()
	return copy(p, "EHLO x\r\n"), nil
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	if !t.IsZero() && t.Before(time.Unix(2, 0)) {
		// The cancellation's deadline, delayed until the deadline is
		// cleared (or, when Check waits for it, a while).
		select {
		case <-c.cleared:
		case <-time.After(50 * time.Millisecond):
		}
		c.mu.Lock()
		c.last = t
		c.mu.Unlock()
		close(c.past)
		return nil
	}
	c.mu.Lock()
	c.last = t
	c.mu.Unlock()
	if t.IsZero() {
		select {
		case <-c.cleared:
		default:
			close(c.cleared)
		}
	}
	return nil
}

func (c *deadlineConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}
}

// TestGreetPauseCancelRace: a context ending as the client speaks must
// not leave the connection with a read deadline in the past (every later
// read of the server would fail at once).
func TestGreetPauseCancelRace(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	conn := &deadlineConn{cancel: cancel, cleared: make(chan struct{}), past: make(chan struct{})}
	g := &GreetPause{Wait: time.Hour}
	gc, err := g.Check(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	<-conn.past // the cancellation ran (ctx ended during the Read)
	conn.mu.Lock()
	last := conn.last
	conn.mu.Unlock()
	if !last.IsZero() {
		t.Errorf("read deadline after Check = %v, want none (outcome %v)", last, gc.Outcome)
	}
}

// TestBlockShorterThanWindow: with a Block shorter than the Window the
// evidence of the first offence is still in the window when the block
// ends; a client that then sends a known recipient has not offended
// again and must not be blocked again, escalated.
func TestBlockShorterThanWindow(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{DHAUnknown: 3, Block: 10 * time.Minute, Window: time.Hour}, Now: clk.Now}
	ip := netip.MustParseAddr("203.0.113.10")
	var o Outcome
	for range 3 {
		clk.Add(time.Second)
		o = mustRcpt(t, c, ip, Unknown, 1)
	}
	if !errors.Is(o.Err, ErrHarvest) || o.Offences != 1 {
		t.Fatalf("third unknown: %v, want the first harvest verdict", o)
	}
	clk.Add(10 * time.Minute)
	if o := mustRcpt(t, c, ip, Known, 1); o.Result != Allow {
		t.Errorf("known recipient after the block: %v, want allow", o)
	}
	// Probing again is a repeat offence.
	if o := mustRcpt(t, c, ip, Unknown, 2); !errors.Is(o.Err, ErrHarvest) || o.Offences != 2 {
		t.Errorf("unknown recipient after the block: %v, want a second harvest verdict", o)
	}
}

// TestRatioExact: "unknown/total ≥ ratio" holds at equality: 7 unknown
// of 25 recipients meet a ratio of 0.28 (in floating point 0.28*25 is
// 7.000000000000001, while 7/25 is 0.28).
func TestRatioExact(t *testing.T) {
	for _, tc := range []struct {
		ratio          float64
		unknown, total int
	}{{0.28, 7, 25}, {0.56, 14, 25}, {0.7, 7, 10}, {0.5, 20, 40}} {
		clk := newClock()
		c := &Checker{Config: Config{DHAUnknown: tc.unknown, DHARatio: tc.ratio}, Now: clk.Now}
		ip := netip.MustParseAddr("203.0.113.11")
		for range tc.total - tc.unknown {
			mustRcpt(t, c, ip, Known, 1)
		}
		var o Outcome
		for range tc.unknown {
			o = mustRcpt(t, c, ip, Unknown, 1)
		}
		if !errors.Is(o.Err, ErrHarvest) {
			t.Errorf("ratio %v, %d unknown of %d: %v, want a harvest verdict", tc.ratio, tc.unknown, tc.total, o)
		}
	}
}

// TestRateBurstExact: a Rate of N per Per allows a burst of N at once
// (the bucket's state was rounded down to the nanosecond, losing a
// fraction of a token: "3/1s" allowed 2), and after a Delay's Wait the
// event fits.
func TestRateBurstExact(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for _, per := range []time.Duration{time.Second, 3 * time.Second, 7 * time.Minute, time.Hour, 24 * time.Hour, 333 * time.Millisecond} {
			clk := newClock()
			c := &Checker{Config: Config{MessageRate: Rate{N: n, Per: per}}, Now: clk.Now}
			ip := netip.MustParseAddr("192.0.2.1")
			for i := 1; i <= n; i++ {
				if o, _ := c.Mail(t.Context(), ip); o.Result != Allow {
					t.Fatalf("rate %d/%v: message %d of the burst: %v, want allow", n, per, i, o)
				}
			}
			o, _ := c.Mail(t.Context(), ip)
			if o.Result != Delay {
				t.Fatalf("rate %d/%v: message %d: %v, want delay", n, per, n+1, o)
			}
			clk.Add(o.Wait)
			if o2, _ := c.Mail(t.Context(), ip); o2.Result != Allow {
				t.Fatalf("rate %d/%v: after the Wait %v: %v, want allow", n, per, o.Wait, o2)
			}
		}
	}
}

// TestGreetNilConn: the error is a sentinel, classified with errors.Is.
func TestGreetNilConn(t *testing.T) {
	if _, err := (&GreetPause{}).Check(context.Background(), nil); !errors.Is(err, ErrNilConn) {
		t.Errorf("Check(nil) error %v, want ErrNilConn", err)
	}
}

// TestRateClockBack: after the clock steps back, a Delay's Wait is still
// how long until the event fits (it said 1/rate, and the retry after it
// was delayed again, for as long as the step).
func TestRateClockBack(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{ConnectionRate: Rate{N: 10, Per: time.Second}}, Now: clk.Now}
	ip := netip.MustParseAddr("192.0.2.9")
	for range 10 {
		mustConnect(t, c, ip)
		c.Disconnect(ip)
	}
	clk.Add(-5 * time.Second)
	for i := 0; ; i++ {
		o := mustConnect(t, c, ip)
		c.Disconnect(ip)
		if o.Result == Allow {
			if i > 1 {
				t.Errorf("allowed after %d delays, want at most one", i)
			}
			break
		}
		if o.Result != Delay || o.Wait <= 0 || i > 100 {
			t.Fatalf("connection after the clock stepped back: %v", o)
		}
		clk.Add(o.Wait)
	}
}

// TestConnectReplyCodes: a connection refused before the greeting must be
// answered 421 (RFC 5321 §3.8; §4.3.2 allows only 220 and 554 otherwise):
// a Store failure at Connect suggested a 451 greeting.
func TestConnectReplyCodes(t *testing.T) {
	c := &Checker{Store: failingStore{}}
	ip := netip.MustParseAddr("192.0.2.77")
	o := mustConnect(t, c, ip)
	defer c.Disconnect(ip)
	if !errors.Is(o.Err, ErrStore) || o.Reply().Code != 421 {
		t.Errorf("Connect with the store down = %v, reply %q; want a 421", o, o.Reply())
	}
	// Later commands keep their 451.
	if o, _ := c.Mail(context.Background(), ip); o.Reply().Code != 451 {
		t.Errorf("Mail with the store down: reply %q, want a 451", o.Reply())
	}
}
