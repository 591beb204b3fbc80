package harvest

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestDictionaryAttack: 1000 RCPTs, 95 % to unknown mailboxes, from one
// address. The verdict comes by the DHAUnknown-th unknown recipient, and
// from then on every RCPT, known or not, gets the same answer.
func TestDictionaryAttack(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		n    int // the configured count
	}{
		{"defaults", Config{}, DefaultDHAUnknown},
		{"dha_unknown=50", Config{DHAUnknown: 50}, 50},
		{"dha_unknown=5", Config{DHAUnknown: 5}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			c := &Checker{Config: tc.cfg, Now: clk.Now}
			ip := netip.MustParseAddr("203.0.113.7")
			mustConnect(t, c, ip)
			answeredUnknown := 0
			var verdict *Outcome
			var verdictAt time.Time
			var replies = map[Reply]int{}
			for i := 1; i <= 1000; i++ {
				st := Unknown
				if i%20 == 0 {
					st = Known // 5 % exist
				}
				clk.Add(100 * time.Millisecond)
				o := mustRcpt(t, c, ip, st, i%100+1)
				if verdict == nil {
					switch o.Result {
					case Allow:
						if st == Unknown {
							answeredUnknown++
						}
						continue
					case Reject:
						if !errors.Is(o.Err, ErrHarvest) {
							t.Fatalf("RCPT %d: %v, want a harvest verdict", i, o)
						}
						verdict, verdictAt = &o, clk.Now()
						replies[o.Reply()]++
						continue
					default:
						t.Fatalf("RCPT %d: %v", i, o)
					}
				}
				if o.Result != Reject || !errors.Is(o.Err, ErrBlocked) {
					t.Fatalf("RCPT %d (%v) after the verdict: %v, want reject blocked", i, st, o)
				}
				replies[o.Reply()]++
			}
			if verdict == nil {
				t.Fatal("no verdict after 1000 RCPTs")
			}
			if answeredUnknown >= tc.n {
				t.Errorf("%d unknown recipients answered before the verdict, want < %d", answeredUnknown, tc.n)
			}
			if len(replies) != 1 {
				t.Errorf("replies after the verdict = %v, want one reply for every RCPT", replies)
			}
			for r := range replies {
				if r.Code != 421 {
					t.Errorf("reply %q, want a 421", r)
				}
			}
			if verdict.Offences != 1 || verdict.Until.Sub(verdictAt) != DefaultBlock {
				t.Errorf("verdict %v: offences %d, block %v; want 1, %v", verdict, verdict.Offences, verdict.Until.Sub(verdictAt), DefaultBlock)
			}
			// A new connection is refused too while blocked.
			if o := mustConnect(t, c, ip); o.Result != Reject || !errors.Is(o.Err, ErrBlocked) {
				t.Errorf("Connect while blocked = %v, want reject blocked", o)
			}
		})
	}
}

// TestMailingListBurst: a list server delivering 5000 recipients in a few
// minutes, 2 % of them stale addresses, is never judged a harvester.
func TestMailingListBurst(t *testing.T) {
	clk := newClock()
	c := &Checker{Now: clk.Now}
	ip := netip.MustParseAddr("192.0.2.25")
	unknown := 0
	for msg := 0; msg < 5; msg++ {
		if o := mustConnect(t, c, ip); o.Result != Allow {
			t.Fatalf("Connect = %v", o)
		}
		if o, _ := c.Mail(t.Context(), ip); o.Result != Allow {
			t.Fatalf("Mail = %v", o)
		}
		for n := 1; n <= 1000; n++ {
			st := Known
			if n%50 == 0 {
				st = Unknown
				unknown++
			}
			clk.Add(20 * time.Millisecond)
			if o := mustRcpt(t, c, ip, st, n); o.Result != Allow {
				t.Fatalf("message %d RCPT %d: %v, want allow", msg, n, o)
			}
		}
		c.Disconnect(ip)
	}
	if unknown < DefaultDHAUnknown {
		t.Fatalf("test sent %d unknown recipients, fewer than the count the ratio must guard", unknown)
	}
}

// TestDistributedAttack: 200 hosts of one /24 each probe 5 unknown
// recipients, slowly, within one window. Counted per address none
// reaches the verdict; counted per /24 the network does.
func TestDistributedAttack(t *testing.T) {
	run := func(cfg Config) (rejected int, first int) {
		clk := newClock()
		c := &Checker{Config: cfg, Now: clk.Now}
		first = -1
		probe := 0
		for round := 0; round < 5; round++ {
			for h := 1; h <= 200; h++ {
				ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(h)})
				clk.Add(3 * time.Second) // 1000 probes over 50 minutes
				probe++
				o := mustRcpt(t, c, ip, Unknown, 1)
				if o.Result == Reject {
					rejected++
					if first < 0 {
						first = probe
					}
				}
			}
		}
		return rejected, first
	}
	if r, _ := run(Config{}); r != 0 {
		t.Errorf("per address: %d probes rejected, want 0", r)
	}
	r, first := run(Config{IPv4Prefix: 24})
	if r == 0 {
		t.Fatal("per /24: no probe rejected")
	}
	if first != DefaultDHAUnknown {
		t.Errorf("per /24: first rejection at probe %d, want %d", first, DefaultDHAUnknown)
	}
	if r != 1000-DefaultDHAUnknown+1 {
		t.Errorf("per /24: %d probes rejected, want every one from the verdict on (%d)", r, 1000-DefaultDHAUnknown+1)
	}
}

// TestIPv6Aggregation: addresses of one /64 are one client by default.
func TestIPv6Aggregation(t *testing.T) {
	clk := newClock()
	c := &Checker{Now: clk.Now}
	var o Outcome
	for i := 0; i < DefaultDHAUnknown; i++ {
		ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)})
		o = mustRcpt(t, c, ip, Unknown, 1)
	}
	if !errors.Is(o.Err, ErrHarvest) || o.Client != netip.MustParsePrefix("2001:db8:1::/64") {
		t.Errorf("after %d probes from one /64: %v, want a harvest verdict on 2001:db8:1::/64", DefaultDHAUnknown, o)
	}
	// An IPv4-mapped address is the IPv4 client.
	if p := c.Client(netip.MustParseAddr("::ffff:192.0.2.1")); p != netip.MustParsePrefix("192.0.2.1/32") {
		t.Errorf("Client(::ffff:192.0.2.1) = %v, want 192.0.2.1/32", p)
	}
}

// TestEscalation: the block ends after Block; a repeat offence doubles
// it, up to MaxBlock; offences are forgotten MaxBlock after the last
// block ended.
func TestEscalation(t *testing.T) {
	clk := newClock()
	c := &Checker{Config: Config{DHAUnknown: 3, Block: time.Hour, MaxBlock: 3 * time.Hour, Window: 10 * time.Minute}, Now: clk.Now}
	ip := netip.MustParseAddr("203.0.113.9")
	attack := func() Outcome {
		t.Helper()
		for i := 0; i < 100; i++ {
			clk.Add(time.Second)
			if o := mustRcpt(t, c, ip, Unknown, 1); o.Result == Reject {
				if !errors.Is(o.Err, ErrHarvest) {
					t.Fatalf("attack: %v, want a harvest verdict", o)
				}
				return o
			}
		}
		t.Fatal("attack: no verdict")
		return Outcome{}
	}
	for _, want := range []struct {
		off   int
		block time.Duration
	}{{1, time.Hour}, {2, 2 * time.Hour}, {3, 3 * time.Hour}, {4, 3 * time.Hour}} {
		o := attack()
		if o.Offences != want.off || o.Until.Sub(clk.Now()) != want.block {
			t.Fatalf("offence: %d, block %v; want %d, %v", o.Offences, o.Until.Sub(clk.Now()), want.off, want.block)
		}
		clk.Add(want.block - time.Second)
		if o := mustRcpt(t, c, ip, Known, 1); !errors.Is(o.Err, ErrBlocked) {
			t.Fatalf("a second before the block ends: %v, want blocked", o)
		}
		clk.Add(time.Second)
		if o := mustRcpt(t, c, ip, Known, 1); o.Result != Allow {
			t.Fatalf("when the block ends: %v, want allow", o)
		}
	}
	clk.Add(3*time.Hour + time.Second)
	if o := attack(); o.Offences != 1 || o.Until.Sub(clk.Now()) != time.Hour {
		t.Errorf("after MaxBlock of good behaviour: offences %d block %v, want 1, 1h", o.Offences, o.Until.Sub(clk.Now()))
	}
}
