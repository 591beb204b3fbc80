package harvest

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// Every limit trips with its own error and reply, and recovers.
func TestRateLimits(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.80")
	for _, tc := range []struct {
		name  string
		cfg   Config
		event func(c *Checker) Outcome
		n     int           // events allowed in a burst
		per   time.Duration // time for a full bucket
		err   error
		code  int
	}{
		{"connection rate", Config{ConnectionRate: Rate{5, time.Second}, MaxConcurrent: -1},
			func(c *Checker) Outcome { o, _ := c.Connect(t.Context(), ip); return o }, 5, time.Second, ErrConnectionRate, 421},
		{"message rate", Config{MessageRate: Rate{30, time.Minute}},
			func(c *Checker) Outcome { o, _ := c.Mail(t.Context(), ip); return o }, 30, time.Minute, ErrMessageRate, 450},
		{"recipient rate", Config{RecipientRate: Rate{100, time.Hour}},
			func(c *Checker) Outcome { o, _ := c.Rcpt(t.Context(), ip, Known, 1); return o }, 100, time.Hour, ErrRecipientRate, 450},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			c := &Checker{Config: tc.cfg, Now: clk.Now}
			for round := 0; round < 2; round++ {
				for i := 1; i <= tc.n; i++ {
					if o := tc.event(c); o.Result != Allow {
						t.Fatalf("round %d event %d: %v, want allow", round, i, o)
					}
				}
				o := tc.event(c)
				if o.Result != Delay || !errors.Is(o.Err, tc.err) || o.Reply().Code != tc.code {
					t.Fatalf("event %d: %v (%v), want delay %v %d", tc.n+1, o, o.Reply(), tc.err, tc.code)
				}
				if want := tc.per / time.Duration(tc.n); o.Wait <= 0 || o.Wait > want+time.Millisecond {
					t.Errorf("Wait = %v, want about %v (one token)", o.Wait, want)
				}
				// After the wait one more event fits.
				clk.Add(o.Wait)
				if o := tc.event(c); o.Result != Allow {
					t.Errorf("after Wait: %v, want allow", o)
				}
				// After the whole period the bucket is full again.
				clk.Add(tc.per)
			}
		})
	}
}

func TestConcurrency(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{MaxConcurrent: 3}, Now: clk.Now}
	ip := netip.MustParseAddr("192.0.2.81")
	for i := 1; i <= 3; i++ {
		if o := mustConnect(t, c, ip); o.Result != Allow {
			t.Fatalf("connection %d: %v", i, o)
		}
	}
	o := mustConnect(t, c, ip)
	if o.Result != Reject || !errors.Is(o.Err, ErrConcurrency) || o.Reply().Code != 421 {
		t.Fatalf("connection 4: %v, want reject too many connections", o)
	}
	c.Disconnect(ip) // the refused one
	c.Disconnect(ip)
	if o := mustConnect(t, c, ip); o.Result != Allow {
		t.Errorf("after a disconnect: %v, want allow", o)
	}
	// Another client is not affected.
	if o := mustConnect(t, c, netip.MustParseAddr("192.0.2.82")); o.Result != Allow {
		t.Errorf("other client: %v", o)
	}
	// Disconnects never make the count negative.
	for i := 0; i < 10; i++ {
		c.Disconnect(ip)
	}
	for i := 1; i <= 3; i++ {
		if o := mustConnect(t, c, ip); o.Result != Allow {
			t.Fatalf("after extra disconnects, connection %d: %v", i, o)
		}
	}
	if o := mustConnect(t, c, ip); !errors.Is(o.Err, ErrConcurrency) {
		t.Errorf("after extra disconnects, connection 4: %v, want too many connections", o)
	}
}

func TestTooManyRecipients(t *testing.T) {
	c := &Checker{Config: Config{MaxRecipientsPerMessage: 100}}
	ip := netip.MustParseAddr("192.0.2.83")
	if o := mustRcpt(t, c, ip, Known, 100); o.Result != Allow {
		t.Fatalf("RCPT 100: %v", o)
	}
	o := mustRcpt(t, c, ip, Known, 101)
	if o.Result != Reject || !errors.Is(o.Err, ErrTooManyRecipients) || o.Reply().String() != "452 4.5.3 Too many recipients" {
		t.Errorf("RCPT 101: %v (%v), want 452 4.5.3", o, o.Reply())
	}
	// Default: 1000.
	c = &Checker{}
	if o := mustRcpt(t, c, ip, Known, 1000); o.Result != Allow {
		t.Errorf("default, RCPT 1000: %v", o)
	}
	if o := mustRcpt(t, c, ip, Known, 1001); !errors.Is(o.Err, ErrTooManyRecipients) {
		t.Errorf("default, RCPT 1001: %v", o)
	}
	c = &Checker{Config: Config{MaxRecipientsPerMessage: -1}}
	if o := mustRcpt(t, c, ip, Known, 1_000_000); o.Result != Allow {
		t.Errorf("no limit, RCPT 1e6: %v", o)
	}
}

func TestTooManyErrors(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{Window: 10 * time.Minute}, Now: clk.Now}
	ip := netip.MustParseAddr("192.0.2.84")
	var o Outcome
	for i := 1; i < DefaultMaxErrors; i++ {
		clk.Add(time.Second)
		if o, _ = c.Error(t.Context(), ip); o.Result != Allow {
			t.Fatalf("error %d: %v", i, o)
		}
	}
	// The tarpit grew with the errors past the first 10.
	if want := (Tarpit{}).Delay(DefaultMaxErrors - 1); o.Tarpit != want || want == 0 {
		t.Errorf("tarpit after %d errors = %v, want %v", DefaultMaxErrors-1, o.Tarpit, want)
	}
	o, _ = c.Error(t.Context(), ip)
	if o.Result != Reject || !errors.Is(o.Err, ErrTooManyErrors) || o.Reply().Code != 421 {
		t.Fatalf("error %d: %v, want reject too many errors", DefaultMaxErrors, o)
	}
	// Not a block: other commands go on; the count decays with the window.
	if o := mustRcpt(t, c, ip, Known, 1); o.Result != Allow {
		t.Errorf("RCPT after the error limit: %v", o)
	}
	clk.Add(20 * time.Minute)
	if o, _ := c.Error(t.Context(), ip); o.Result != Allow || o.Window.Errors != 1 {
		t.Errorf("an error two windows later: %v, want allow with 1 error counted", o)
	}
}

// The counts slide: the previous window weighs by the share of it still
// inside the sliding window, and is gone two windows later.
func TestWindowsReset(t *testing.T) {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) // on a window boundary
	clk := &clock{t: start}
	c := &Checker{Config: Config{Window: time.Hour, DHAUnknown: -1}, Now: clk.Now}
	ip := netip.MustParseAddr("192.0.2.85")
	for i := 0; i < 10; i++ {
		mustRcpt(t, c, ip, Unknown, 1)
	}
	for _, tc := range []struct {
		at      time.Duration // since start
		unknown uint32
	}{
		{30 * time.Minute, 10},             // the same fixed window
		{60 * time.Minute, 10},             // the next one begins: the previous weighs 1
		{105 * time.Minute, 3},             // 11:45: the previous weighs 1/4 (2.5, rounded)
		{165 * time.Minute, 0},             // 12:45: two windows on
		{165*time.Minute + time.Second, 0}, // and stays gone
	} {
		clk.mu.Lock()
		clk.t = start.Add(tc.at)
		clk.mu.Unlock()
		if o := mustRcpt(t, c, ip, Known, 1); o.Window.Unknown != tc.unknown {
			t.Errorf("at %v: unknown %d, want %d", clk.Now().Format("15:04:05"), o.Window.Unknown, tc.unknown)
		}
	}
}

func TestInvalidIP(t *testing.T) {
	c := &Checker{}
	o, err := c.Rcpt(t.Context(), netip.Addr{}, Unknown, 1)
	if !errors.Is(err, ErrInvalidIP) || o.Result != Reject || o.Reason() != "invalid client address" {
		t.Errorf("Rcpt(invalid) = %v, %v", o, err)
	}
	c.Disconnect(netip.Addr{}) // no panic
	if _, err := c.Connect(t.Context(), netip.Addr{}); !errors.Is(err, ErrInvalidIP) {
		t.Errorf("Connect(invalid) error %v", err)
	}
}

func TestTarpitDelay(t *testing.T) {
	for _, tc := range []struct {
		tp      Tarpit
		strikes int
		want    time.Duration
	}{
		{Tarpit{}, 0, 0},
		{Tarpit{}, 10, 0},
		{Tarpit{}, 11, time.Second},
		{Tarpit{}, 15, 5 * time.Second},
		{Tarpit{}, 40, 30 * time.Second},
		{Tarpit{}, 1 << 40, 30 * time.Second},
		{Tarpit{After: -1, Step: 2 * time.Second}, 1, 2 * time.Second},
		{Tarpit{After: 3, Step: time.Minute, Max: 4 * time.Minute}, 100, 4 * time.Minute},
		{Tarpit{Step: -1}, 100, 0},
	} {
		if got := tc.tp.Delay(tc.strikes); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %v, want %v", tc.tp, tc.strikes, got, tc.want)
		}
	}
}

func TestOutcomeText(t *testing.T) {
	for _, tc := range []struct {
		o      Outcome
		reason string
		reply  string
	}{
		{Outcome{}, "no result", ""},
		{Outcome{Result: Allow}, "", ""},
		{Outcome{Result: Reject, Err: ErrHarvest}, "too many unknown recipients", "421 4.7.1 Too many unknown recipients, try again later"},
		{Outcome{Result: Reject, Err: ErrBlocked}, "temporarily blocked", "421 4.7.1 Too many unknown recipients, try again later"},
		{Outcome{Result: Delay, Err: ErrRecipientRate}, "recipient rate limit exceeded", "450 4.7.1 Too many recipients, slow down"},
		{Outcome{Result: Delay, Err: errors.Join(ErrStore, errors.New("dial tcp 10.0.0.1:6379: refused"))}, "service temporarily unavailable", "451 4.3.0 Service temporarily unavailable"},
		{Outcome{Result: Allow, Err: ErrStore}, "", ""},
	} {
		if got := tc.o.Reason(); got != tc.reason {
			t.Errorf("%v.Reason() = %q, want %q", tc.o, got, tc.reason)
		}
		if got := tc.o.Reply().String(); got != tc.reply {
			t.Errorf("%v.Reply() = %q, want %q", tc.o, got, tc.reply)
		}
	}
}

// A Session numbers each transaction's accepted recipients and pairs
// Connect with one Disconnect.
func TestSession(t *testing.T) {
	c := &Checker{Config: Config{MaxRecipientsPerMessage: 2, MaxConcurrent: 1}}
	ip := netip.MustParseAddr("192.0.2.90")
	s := c.NewSession(ip)
	if o, err := s.Connect(t.Context()); err != nil || o.Result != Allow {
		t.Fatalf("Connect = %v, %v", o, err)
	}
	for round := 0; round < 2; round++ {
		s.Mail(t.Context())
		for i, st := range []RcptStatus{Known, Unknown, Known} {
			if o, _ := s.Rcpt(t.Context(), st); o.Result != Allow {
				t.Fatalf("round %d RCPT %d (%v): %v", round, i, st, o)
			}
		}
		if o, _ := s.Rcpt(t.Context(), Known); !errors.Is(o.Err, ErrTooManyRecipients) {
			t.Errorf("round %d: third known recipient %v, want too many recipients", round, o)
		}
		s.Reset()
	}
	// One connection held: a second is over MaxConcurrent.
	s2 := c.NewSession(ip)
	if o, _ := s2.Connect(t.Context()); !errors.Is(o.Err, ErrConcurrency) {
		t.Errorf("second connection: %v, want too many connections", o)
	}
	s2.Close()
	s.Close()
	s.Close() // once only
	s3 := c.NewSession(ip)
	if o, _ := s3.Connect(t.Context()); o.Result != Allow {
		t.Errorf("after both closed: %v, want allow", o)
	}
	s4 := c.NewSession(ip)
	if o, _ := s4.Connect(t.Context()); !errors.Is(o.Err, ErrConcurrency) {
		t.Errorf("the double Close released two connections: %v", o)
	}
}
