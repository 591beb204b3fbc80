package greylist_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable time for Checker.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var ctx = context.Background()

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

type checkFn func(addr, from, rcpt string) greylist.Outcome

func checker(t *testing.T, c *greylist.Checker) checkFn {
	return func(addr, from, rcpt string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "mx.example.com", from, rcpt, "")
		if err != nil {
			t.Fatalf("Check(%s, %s, %s) error: %v", addr, from, rcpt, err)
		}
		return o
	}
}

func expect(t *testing.T, what string, o greylist.Outcome, result greylist.Result, reason string) {
	t.Helper()
	if o.Result != result || o.Reason() != reason {
		t.Errorf("%s = %v (reason %q), want %s (%s)", what, o, o.Reason(), result, reason)
	}
}

func TestGreylistThenPass(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now}
	check := checker(t, c)
	o := check("192.0.2.10", "alice@example.com", "bob@example.net")
	expect(t, "first attempt", o, greylist.Greylisted, "first attempt")
	if o.RetryAfter != 300*time.Second || !o.First.Equal(t0) || o.Err != nil {
		t.Errorf("first attempt: RetryAfter %v First %v Err %v, want 5m0s, %v, nil", o.RetryAfter, o.First, o.Err, t0)
	}
	if got, want := o.Reply().String(), "451 4.7.1 Greylisted, please try again in 300 seconds"; got != want {
		t.Errorf("Reply = %q, want %q", got, want)
	}
	if got, want := o.String(), "greylisted (first attempt, retry in 5m0s)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	clk.Add(299*time.Second + 500*time.Millisecond)
	o = check("192.0.2.10", "alice@example.com", "bob@example.net")
	expect(t, "early retry", o, greylist.Greylisted, "retried too early")
	if o.RetryAfter != 500*time.Millisecond || o.Reply().Text != "Greylisted, please try again in 1 seconds" {
		t.Errorf("early retry: RetryAfter %v, reply %q", o.RetryAfter, o.Reply())
	}
	if got, want := o.String(), "greylisted (retried too early, retry in 1s)"; got != want {
		t.Errorf("early retry: String = %q, want %q (whole seconds)", got, want)
	}
	clk.Add(time.Second)
	// Another address of the /24, a BATV-tagged sender: the same triplet.
	o = check("192.0.2.99", "prvs=1234abcdef=Alice@Example.com", "Bob@example.net")
	expect(t, "retry", o, greylist.Pass, "retried after the delay")
	if o.Waited != 300*time.Second+500*time.Millisecond || o.Reply() != (greylist.Reply{}) || o.Reply().String() != "" {
		t.Errorf("retry: Waited %v, Reply %q", o.Waited, o.Reply())
	}
	if got, want := o.String(), "pass (retried after the delay, waited 5m1s)"; got != want {
		t.Errorf("retry: String = %q, want %q", got, want)
	}
	clk.Add(time.Hour)
	o = check("192.0.2.10", "alice@example.com", "bob@example.net")
	expect(t, "known", o, greylist.Pass, "known triplet")
	if o.Waited != 0 || !o.First.Equal(t0) {
		t.Errorf("known: Waited %v First %v", o.Waited, o.First)
	}
	// Another network, recipient, or sender: new triplets.
	expect(t, "other /24", check("192.0.3.10", "alice@example.com", "bob@example.net"), greylist.Greylisted, "first attempt")
	expect(t, "other rcpt", check("192.0.2.10", "alice@example.com", "carol@example.net"), greylist.Greylisted, "first attempt")
	expect(t, "other sender", check("192.0.2.10", "dave@example.com", "bob@example.net"), greylist.Greylisted, "first attempt")
}

func TestNetworks(t *testing.T) {
	tests := []struct {
		name       string
		v4, v6     int
		first, sec string
		same       bool
	}{
		{"v4 /24 default", 0, 0, "192.0.2.1", "192.0.2.254", true},
		{"v4 /24 other", 0, 0, "192.0.2.1", "192.0.3.1", false},
		{"v4 full address", 32, 0, "192.0.2.1", "192.0.2.2", false},
		{"v4 /16", 16, 0, "192.0.2.1", "192.0.200.1", true},
		{"v6 /64 default", 0, 0, "2001:db8:1:2::1", "2001:db8:1:2:ffff::1", true},
		{"v6 /64 other", 0, 0, "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"v6 /128", 0, 128, "2001:db8:1:2::1", "2001:db8:1:2::2", false},
		{"v4-mapped is v4", 0, 0, "::ffff:192.0.2.1", "192.0.2.77", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			check := checker(t, &greylist.Checker{Now: clk.Now, IPv4Prefix: tc.v4, IPv6Prefix: tc.v6})
			check(tc.first, "a@example.com", "b@example.net")
			clk.Add(10 * time.Minute)
			o := check(tc.sec, "a@example.com", "b@example.net")
			if got := o.Result == greylist.Pass; got != tc.same {
				t.Errorf("retry from %s after %s: %v, want same triplet %v", tc.sec, tc.first, o, tc.same)
			}
		})
	}
}

func TestSPFDomainKey(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: -1}
	spf := func(addr, domain string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "out.example.com", "news@example.com", "bob@example.net", domain)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	expect(t, "first, pool address 1", spf("198.51.100.1", "example.com"), greylist.Greylisted, "first attempt")
	clk.Add(6 * time.Minute)
	// The retry comes from another network of the sender's pool.
	expect(t, "retry from pool address 2", spf("203.0.113.7", "Example.COM."), greylist.Pass, "retried after the delay")
	// Without the SPF domain the network keys: greylisted.
	expect(t, "same without SPF", spf("203.0.113.7", ""), greylist.Greylisted, "first attempt")
	// An SPF domain that is no domain: the network is the key, and Err says so.
	o := spf("203.0.113.7", "not a domain")
	expect(t, "invalid SPF domain", o, greylist.Greylisted, "retried too early")
	if !errors.Is(o.Err, greylist.ErrInvalidDomain) {
		t.Errorf("invalid SPF domain: Err %v, want ErrInvalidDomain", o.Err)
	}
}

func TestSPFDomainTrapsStayOnNetwork(t *testing.T) {
	clk := newClock()
	traps := new(greylist.AddressList)
	traps.Add("trap@example.net")
	c := &greylist.Checker{Now: clk.Now, Traps: traps}
	spf := func(addr, rcpt string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "", "news@example.com", rcpt, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	expect(t, "trap hit", spf("198.51.100.1", "trap@example.net"), greylist.Trapped, "greytrap hit")
	expect(t, "same network", spf("198.51.100.2", "bob@example.net"), greylist.Trapped, "client trapped")
	// The domain itself is not trapped: its other networks go on.
	expect(t, "other network", spf("203.0.113.7", "bob@example.net"), greylist.Greylisted, "first attempt")
}

// TestSPFDomainAllowlistedNotTrapped: an allowlist shields only what
// earned it (the package documentation). A sender auto-allowlisted
// through its SPF-validated domain keeps its standing after a greytrap
// hit: that message, and the domain's later mail from the same network,
// are Allowlisted by the domain key. The network, which earned nothing,
// is trapped for every other sender.
func TestSPFDomainAllowlistedNotTrapped(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: 1, Traps: mustAddrs(t, "trap@example.net")}
	spf := func(addr, rcpt string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "", "news@example.com", rcpt, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	spf("198.51.100.1", "bob@example.net")
	clk.Add(10 * time.Minute)
	expect(t, "retry", spf("198.51.100.9", "bob@example.net"), greylist.Pass, "retried after the delay")
	expect(t, "allowlisted domain", spf("203.0.113.7", "carol@example.net"), greylist.Allowlisted, "client auto-allowlisted")
	o := spf("198.51.100.1", "trap@example.net")
	expect(t, "trap hit from the allowlisted domain", o, greylist.Allowlisted, "client auto-allowlisted")
	if o.Match != "spf:example.com" {
		t.Errorf("trap hit: Match %q, want spf:example.com", o.Match)
	}
	o = spf("198.51.100.2", "dave@example.net")
	expect(t, "same domain, same network after", o, greylist.Allowlisted, "client auto-allowlisted")
	if o.Match != "spf:example.com" {
		t.Errorf("same domain, same network after: Match %q, want spf:example.com", o.Match)
	}
	// The network is trapped for other senders.
	o, err := c.Check(ctx, ip("198.51.100.3"), "", "x@example.org", "erin@example.net", "")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "other sender, same network", o, greylist.Trapped, "client trapped")
	// Another SPF domain, not allowlisted, from the trapped network.
	o, err = c.Check(ctx, ip("198.51.100.4"), "", "a@example.org", "erin@example.net", "example.org")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "other SPF domain, same network", o, greylist.Trapped, "client trapped")
}

// TestSPFDomainAllowlistTrapsOtherNetworks: the reviewer's case. A
// domain allowlisted on one network (a spammer's own domain with
// "v=spf1 +all" passes SPF from anywhere) sent to greytraps from a
// network it had never used: the hits were Allowlisted and that network
// stayed open to every other sender. Each hit must trap the network.
func TestSPFDomainAllowlistTrapsOtherNetworks(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: 1, Traps: mustAddrs(t, "trap@example.net")}
	check := func(addr, from, rcpt, domain string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "", from, rcpt, domain)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	check("198.51.100.1", "news@spam.example", "bob@example.net", "spam.example")
	clk.Add(10 * time.Minute)
	expect(t, "retry", check("198.51.100.1", "news@spam.example", "bob@example.net", "spam.example"), greylist.Pass, "retried after the delay")
	for i := range 3 {
		o := check("203.0.113.7", "news@spam.example", "trap@example.net", "spam.example")
		expect(t, fmt.Sprintf("trap hit %d from a new network", i+1), o, greylist.Allowlisted, "client auto-allowlisted")
		clk.Add(time.Minute)
	}
	expect(t, "other sender, trap hit's network", check("203.0.113.8", "x@example.org", "carol@example.net", ""), greylist.Trapped, "client trapped")
	expect(t, "other sender, trap hit's network, own SPF domain", check("203.0.113.9", "y@example.org", "carol@example.net", "example.org"), greylist.Trapped, "client trapped")
	// The domain keeps its standing everywhere; the network it earned
	// nothing on stays open to others.
	expect(t, "domain, trap hit's network", check("203.0.113.7", "news@spam.example", "dave@example.net", "spam.example"), greylist.Allowlisted, "client auto-allowlisted")
	expect(t, "other sender, first network", check("198.51.100.2", "x@example.org", "carol@example.net", ""), greylist.Greylisted, "first attempt")
	clk.Add(greylist.DefaultTrapTime)
	expect(t, "trap over", check("203.0.113.8", "x@example.org", "carol@example.net", ""), greylist.Greylisted, "first attempt")
}

// TestAutoAllowlistedNetworkNotTrapped: a network auto-allowlisted by
// its own deliveries earned its standing; a trap hit from it, with or
// without an SPF domain, is Allowlisted and the network stays open.
func TestAutoAllowlistedNetworkNotTrapped(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: 1, Traps: mustAddrs(t, "trap@example.net")}
	check := func(addr, from, rcpt, domain string) greylist.Outcome {
		t.Helper()
		o, err := c.Check(ctx, ip(addr), "", from, rcpt, domain)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	check("198.51.100.1", "a@example.com", "bob@example.net", "")
	clk.Add(10 * time.Minute)
	expect(t, "retry", check("198.51.100.1", "a@example.com", "bob@example.net", ""), greylist.Pass, "retried after the delay")
	for _, domain := range []string{"", "example.org"} {
		o := check("198.51.100.5", "x@example.org", "trap@example.net", domain)
		expect(t, "trap hit, spf="+domain, o, greylist.Allowlisted, "client auto-allowlisted")
		if o.Match != "198.51.100.0/24" {
			t.Errorf("trap hit, spf=%s: Match %q, want 198.51.100.0/24", domain, o.Match)
		}
	}
	expect(t, "other sender after", check("198.51.100.6", "z@example.org", "carol@example.net", ""), greylist.Allowlisted, "client auto-allowlisted")
}

func TestAutoAllow(t *testing.T) {
	for _, spfDomain := range []string{"", "example.com"} {
		t.Run("spf="+spfDomain, func(t *testing.T) {
			clk := newClock()
			c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: 2}
			check := func(rcpt string) greylist.Outcome {
				t.Helper()
				o, err := c.Check(ctx, ip("192.0.2.1"), "", "a@example.com", rcpt, spfDomain)
				if err != nil {
					t.Fatal(err)
				}
				return o
			}
			check("1@example.net")
			check("2@example.net")
			check("3@example.net")
			clk.Add(10 * time.Minute)
			expect(t, "pass 1", check("1@example.net"), greylist.Pass, "retried after the delay")
			clk.Add(time.Hour)
			expect(t, "pass 2", check("2@example.net"), greylist.Pass, "retried after the delay")
			o := check("new@example.net")
			expect(t, "after two passes", o, greylist.Allowlisted, "client auto-allowlisted")
			want := "192.0.2.0/24"
			if spfDomain != "" {
				want = "spf:example.com"
			}
			if o.List != greylist.ListAuto || o.Match != want {
				t.Errorf("auto-allowlisted: List %q Match %q, want auto %q", o.List, o.Match, want)
			}
		})
	}
	// Disabled.
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, AutoAllowAfter: -1}
	check := checker(t, c)
	for i := range 10 {
		check("192.0.2.1", "a@example.com", fmt.Sprintf("%d@example.net", i))
		clk.Add(10 * time.Minute)
		check("192.0.2.1", "a@example.com", fmt.Sprintf("%d@example.net", i))
		clk.Add(time.Hour)
	}
	expect(t, "auto-allowlist disabled", check("192.0.2.1", "a@example.com", "new@example.net"), greylist.Greylisted, "first attempt")
}

func mustClients(t *testing.T, entries ...string) *greylist.ClientList {
	t.Helper()
	l := new(greylist.ClientList)
	for _, e := range entries {
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func mustAddrs(t *testing.T, entries ...string) *greylist.AddressList {
	t.Helper()
	l := new(greylist.AddressList)
	for _, e := range entries {
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestAllowlists(t *testing.T) {
	c := &greylist.Checker{
		Now:             newClock().Now,
		AllowClients:    mustClients(t, "10.0.0.0/8", "mail.example.org", `/^mx[0-9]+\.example\.info$/`),
		AllowSenders:    mustAddrs(t, "partner.example"),
		AllowRecipients: mustAddrs(t, "postmaster@", "abuse@example.net"),
	}
	tests := []struct {
		addr, host, from, rcpt string
		list                   greylist.List
		match                  string
	}{
		{"10.1.2.3", "", "a@x.example", "b@example.net", greylist.ListClient, "10.0.0.0/8"},
		{"192.0.2.1", "out.MAIL.example.org.", "a@x.example", "b@example.net", greylist.ListClientName, "mail.example.org"},
		{"192.0.2.1", "mx12.example.info", "a@x.example", "b@example.net", greylist.ListClientName, `/^mx[0-9]+\.example\.info$/`},
		{"192.0.2.1", "", "a@x.example", "Postmaster@example.net", greylist.ListRecipient, "postmaster@"},
		{"192.0.2.1", "", "a@x.example", "abuse+x@example.net", greylist.ListRecipient, "abuse@example.net"},
		{"192.0.2.1", "", "a@mail.partner.example", "b@example.net", greylist.ListSender, "partner.example"},
		{"192.0.2.1", "mx.example.info", "a@x.example", "b@example.net", "", ""},
		{"192.0.2.1", "unknown", "a@partner.example.com", "abuse@example.com", "", ""},
	}
	for _, tc := range tests {
		o, err := c.Check(ctx, ip(tc.addr), tc.host, tc.from, tc.rcpt, "")
		if err != nil {
			t.Fatal(err)
		}
		if tc.list == "" {
			if o.Result != greylist.Greylisted {
				t.Errorf("Check(%s %s %s %s) = %v, want greylisted", tc.addr, tc.host, tc.from, tc.rcpt, o)
			}
			continue
		}
		if o.Result != greylist.Allowlisted || o.List != tc.list || o.Match != tc.match || o.Reply().Code != 0 {
			t.Errorf("Check(%s %s %s %s) = %v list %q, want allowlisted by %s %q", tc.addr, tc.host, tc.from, tc.rcpt, o, o.List, tc.list, tc.match)
		}
	}
}

func TestNullSender(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now}
	check := checker(t, c)
	expect(t, "null sender", check("192.0.2.1", "", "b@example.net"), greylist.Greylisted, "first attempt")
	clk.Add(10 * time.Minute)
	// "<>" and "" are one sender.
	expect(t, "null sender retry", check("192.0.2.1", "<>", "b@example.net"), greylist.Pass, "retried after the delay")
	c.PassNullSender = true
	o := check("192.0.2.1", "", "c@example.net")
	if o.Result != greylist.Allowlisted || o.List != greylist.ListNullSender || o.Reason() != "null sender" {
		t.Errorf("PassNullSender: %v", o)
	}
	expect(t, "PassNullSender, real sender", check("192.0.2.1", "a@example.com", "c@example.net"), greylist.Greylisted, "first attempt")
}

func TestTraps(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{
		Now:             clk.Now,
		Traps:           mustAddrs(t, "spamtrap@example.net", "trap.example.net"),
		AllowRecipients: mustAddrs(t, "postmaster@"),
		AllowClients:    mustClients(t, "198.51.100.0/24"),
		TrapTime:        2 * time.Hour,
	}
	check := checker(t, c)
	o := check("192.0.2.1", "a@example.com", "spamtrap@example.net")
	expect(t, "trap hit", o, greylist.Trapped, "greytrap hit")
	if o.RetryAfter != 2*time.Hour || o.Reply().String() != "451 4.7.1 Greylisted, please try again later" {
		t.Errorf("trap hit: RetryAfter %v, Reply %q", o.RetryAfter, o.Reply())
	}
	clk.Add(time.Hour)
	expect(t, "same network later", check("192.0.2.200", "x@example.org", "bob@example.net"), greylist.Trapped, "client trapped")
	expect(t, "postmaster still reachable", check("192.0.2.200", "x@example.org", "postmaster@example.net"), greylist.Allowlisted, "recipient allowlisted")
	expect(t, "allowlisted client not trapped", check("198.51.100.1", "x@example.org", "any@trap.example.net"), greylist.Allowlisted, "client allowlisted")
	expect(t, "other network", check("192.0.3.1", "x@example.org", "bob@example.net"), greylist.Greylisted, "first attempt")
	clk.Add(time.Hour)
	expect(t, "trap over", check("192.0.2.200", "x@example.org", "bob@example.net"), greylist.Greylisted, "first attempt")
}

func TestCheckBody(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{
		Now:             clk.Now,
		Traps:           mustAddrs(t, "trap@example.net"),
		AllowRecipients: mustAddrs(t, "postmaster@"),
	}
	var h greylist.BodyHash
	h.Write([]byte("Hello,\r\nthe same text for all.\r\n"))
	body := h.Sum()
	rcpts := make([]string, 50)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf("user%d@example.net", i)
	}
	check := func(from string, rcpts []string, d greylist.BodyDigest) greylist.Outcome {
		t.Helper()
		o, err := c.CheckBody(ctx, ip("192.0.2.1"), "", from, rcpts, d, "")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	expect(t, "first delivery to 50", check("news@example.com", rcpts, body), greylist.Greylisted, "first attempt")
	clk.Add(10 * time.Minute)
	// The retry passes; so does the same body to other recipients, and
	// one recipient alone: the key is the body, not the recipient.
	expect(t, "retry", check("news@example.com", rcpts, body), greylist.Pass, "retried after the delay")
	expect(t, "other recipients", check("news@example.com", []string{"other@example.net"}, body), greylist.Pass, "known triplet")
	var h2 greylist.BodyHash
	h2.Write([]byte("Another text.\n"))
	expect(t, "another body", check("news@example.com", rcpts, h2.Sum()), greylist.Greylisted, "first attempt")
	expect(t, "another sender", check("other@example.com", rcpts, body), greylist.Greylisted, "first attempt")
	expect(t, "all recipients allowlisted", check("x@example.com", []string{"postmaster@example.net", "Postmaster@example.org"}, h2.Sum()), greylist.Allowlisted, "recipient allowlisted")
	expect(t, "one recipient allowlisted", check("x@example.com", []string{"postmaster@example.net", "bob@example.net"}, h2.Sum()), greylist.Greylisted, "first attempt")
	expect(t, "a trap among recipients", check("x@example.com", []string{"bob@example.net", "trap@example.net"}, h2.Sum()), greylist.Trapped, "greytrap hit")
}

// TestCheckBodyOneEntry: a body to many recipients costs one store entry
// (the point of the body key), where Check costs one per recipient.
func TestCheckBodyOneEntry(t *testing.T) {
	for _, perRcpt := range []bool{false, true} {
		store := new(greylist.MemoryStore)
		c := &greylist.Checker{Now: newClock().Now, Store: store}
		var rcpts []string
		for i := range 20 {
			rcpts = append(rcpts, fmt.Sprintf("u%d@example.net", i))
		}
		if perRcpt {
			for _, r := range rcpts {
				c.Check(ctx, ip("192.0.2.1"), "", "a@example.com", r, "")
			}
		} else {
			c.CheckBody(ctx, ip("192.0.2.1"), "", "a@example.com", rcpts, greylist.BodyDigest{1}, "")
		}
		want := 1
		if perRcpt {
			want = 20
		}
		if n := store.Len(); n != want {
			t.Errorf("per recipient %v: %d entries, want %d", perRcpt, n, want)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	c := &greylist.Checker{Now: newClock().Now}
	tests := []struct {
		name string
		run  func() (greylist.Outcome, error)
		want error
	}{
		{"invalid ip", func() (greylist.Outcome, error) { return c.Check(ctx, netip.Addr{}, "", "a@x", "b@y", "") }, greylist.ErrInvalidIP},
		{"empty rcpt", func() (greylist.Outcome, error) { return c.Check(ctx, ip("192.0.2.1"), "", "a@x", "", "") }, greylist.ErrNoRecipient},
		{"<> rcpt", func() (greylist.Outcome, error) { return c.Check(ctx, ip("192.0.2.1"), "", "a@x", "<>", "") }, greylist.ErrNoRecipient},
		{"no rcpts", func() (greylist.Outcome, error) {
			return c.CheckBody(ctx, ip("192.0.2.1"), "", "a@x", nil, greylist.BodyDigest{}, "")
		}, greylist.ErrNoRecipient},
		{"empty rcpt in body", func() (greylist.Outcome, error) {
			return c.CheckBody(ctx, ip("192.0.2.1"), "", "a@x", []string{"b@y", ""}, greylist.BodyDigest{}, "")
		}, greylist.ErrNoRecipient},
		{"invalid ip in body", func() (greylist.Outcome, error) {
			return c.CheckBody(ctx, netip.Addr{}, "", "a@x", []string{"b@y"}, greylist.BodyDigest{}, "")
		}, greylist.ErrInvalidIP},
	}
	for _, tc := range tests {
		o, err := tc.run()
		if !errors.Is(err, tc.want) || !errors.Is(o.Err, tc.want) || o.Result != greylist.Greylisted || o.Reply().Enhanced != "4.3.0" || o.Reason() != "invalid input" {
			t.Errorf("%s: %v (reply %q), %v; want greylisted 4.3.0 and %v", tc.name, o, o.Reply(), err, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []*greylist.Checker{
		{Delay: -1},
		{Delay: time.Hour, RetryWindow: time.Hour},
		{Delay: 3 * 24 * time.Hour},
		{MaxAge: -time.Second},
		{TrapTime: -time.Second},
		{IPv4Prefix: 33},
		{IPv6Prefix: 129},
		{IPv4Prefix: -1},
		{MaxAddressLen: -1},
	} {
		o, err := c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", "")
		if !errors.Is(err, greylist.ErrConfig) || o.Result != greylist.Greylisted {
			t.Errorf("Checker%+v: %v, %v; want ErrConfig", c, o, err)
		}
	}
}

// failStore fails every Record, or returns a result of its choosing.
type failStore struct {
	err    error
	result greylist.Result
}

func (f failStore) Record(context.Context, greylist.Request) (greylist.Response, error) {
	return greylist.Response{Result: f.result}, f.err
}

func TestStoreFailure(t *testing.T) {
	down := errors.New("connection refused")
	c := &greylist.Checker{Store: failStore{err: down}}
	o, err := c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", "")
	if !errors.Is(err, greylist.ErrStore) || !errors.Is(err, down) || o.Result != greylist.Greylisted || o.Reason() != "greylist store unavailable" {
		t.Errorf("store down: %v, %v; want greylisted, ErrStore wrapping the cause", o, err)
	}
	if got, want := o.Reply().String(), "451 4.3.0 Greylisting temporarily unavailable, please try again later"; got != want {
		t.Errorf("store down: Reply %q, want %q", got, want)
	}
	c.FailOpen = true
	o, err = c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", "")
	if err != nil || o.Result != greylist.Pass || !errors.Is(o.Err, down) || o.Reason() != "greylist store unavailable" || o.Reply().Code != 0 {
		t.Errorf("store down, FailOpen: %v, %v; want pass with the cause in Err", o, err)
	}
	if s := o.String(); !strings.Contains(s, "connection refused") {
		t.Errorf("String %q does not carry the cause", s)
	}
	// With an SPF domain the first of the two operations fails.
	o, err = c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", "example.com")
	if err != nil || o.Result != greylist.Pass || !errors.Is(o.Err, greylist.ErrStore) {
		t.Errorf("store down, SPF key, FailOpen: %v, %v", o, err)
	}
	// A store answering nonsense is a failing store.
	c = &greylist.Checker{Store: failStore{result: "maybe"}}
	if o, err := c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", ""); !errors.Is(err, greylist.ErrStore) {
		t.Errorf("store answering %q: %v, %v; want ErrStore", "maybe", o, err)
	}
}

func TestMaxAddressLen(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now, MaxAddressLen: 20}
	long := strings.Repeat("a", 30) + "@example.com"
	o, err := c.Check(ctx, ip("192.0.2.1"), "", long, "b@example.net", "")
	if err != nil || o.Result != greylist.Greylisted || !errors.Is(o.Err, greylist.ErrAddressTooLong) {
		t.Errorf("long sender: %v, %v; want greylisted with ErrAddressTooLong", o, err)
	}
	clk.Add(10 * time.Minute)
	// Cut to 20 octets, another long sender with the same beginning is
	// the same key; the finding stays on the pass.
	o, err = c.Check(ctx, ip("192.0.2.1"), "", strings.Repeat("a", 25)+"@example.org", "b@example.net", "")
	if err != nil || o.Result != greylist.Pass || !errors.Is(o.Err, greylist.ErrAddressTooLong) {
		t.Errorf("long sender retry: %v, %v; want pass with ErrAddressTooLong", o, err)
	}
	o, _ = c.Check(ctx, ip("192.0.2.1"), "", "a@example.com", strings.Repeat("r", 21), "")
	if !errors.Is(o.Err, greylist.ErrAddressTooLong) {
		t.Errorf("long recipient: %v, want ErrAddressTooLong", o)
	}
	o, _ = c.Check(ctx, ip("192.0.2.1"), "", "a@example.com", "b@example.net", "")
	if o.Err != nil {
		t.Errorf("short addresses: Err %v", o.Err)
	}
	// Two findings are both reported.
	o, _ = c.Check(ctx, ip("192.0.2.1"), "", long, "b@example.net", "not a domain")
	if !errors.Is(o.Err, greylist.ErrAddressTooLong) || !errors.Is(o.Err, greylist.ErrInvalidDomain) {
		t.Errorf("long sender and invalid SPF domain: Err %v, want both", o.Err)
	}
}

func TestMemoryStoreFull(t *testing.T) {
	clk := newClock()
	store := &greylist.MemoryStore{MaxEntries: 64}
	c := &greylist.Checker{Now: clk.Now, Store: store}
	full := 0
	for i := range 500 {
		o, err := c.Check(ctx, ip(fmt.Sprintf("10.%d.%d.1", i/250, i%250)), "", "a@example.com", "b@example.net", "")
		if err != nil || o.Result != greylist.Greylisted {
			t.Fatalf("check %d: %v, %v", i, o, err)
		}
		if errors.Is(o.Err, greylist.ErrStoreFull) {
			full++
		}
	}
	// The bound is the store's, passed by at most one entry per shard.
	if n := store.Len(); n > 64+16 || n < 32 {
		t.Errorf("Len = %d after 500 triplets into MaxEntries 64", n)
	}
	if full < 400 {
		t.Errorf("%d of 500 checks reported ErrStoreFull, want most past the first 64", full)
	}
	// Expired entries are swept before anything is evicted.
	clk.Add(49 * time.Hour)
	o, _ := c.Check(ctx, ip("10.9.9.1"), "", "a@example.com", "b@example.net", "")
	if o.Err != nil {
		t.Errorf("check after expiry: Err %v, want none (expired entries swept)", o.Err)
	}
	if n := store.Sweep(clk.Now()); n == 0 {
		t.Errorf("Sweep found nothing expired")
	}
	if n := store.Len(); n != 1 {
		t.Errorf("Len after Sweep = %d, want 1", n)
	}
}

// TestMemoryStoreBoundIsGlobal: one client sending many triplets fills
// only its own shard; with the bound kept per shard (MaxEntries / 256)
// it evicted the waiting triplets of the other clients of that shard,
// whose retries were greylisted again, while the store held under 1% of
// MaxEntries.
func TestMemoryStoreBoundIsGlobal(t *testing.T) {
	clk := newClock()
	store := &greylist.MemoryStore{}
	c := &greylist.Checker{Now: clk.Now, Store: store}
	legit := func(i int) netip.Addr { return ip(fmt.Sprintf("10.%d.%d.1", i/250, i%250)) }
	for i := range 2000 {
		if _, err := c.Check(ctx, legit(i), "", "a@x.example", "r@y.example", ""); err != nil {
			t.Fatal(err)
		}
	}
	full := 0
	for i := range 20000 {
		o, _ := c.Check(ctx, ip("198.51.100.7"), "", fmt.Sprintf("s%d@spam.example", i), "r@y.example", "")
		if errors.Is(o.Err, greylist.ErrStoreFull) {
			full++
		}
	}
	clk.Add(6 * time.Minute)
	again := 0
	for i := range 2000 {
		if o, _ := c.Check(ctx, legit(i), "", "a@x.example", "r@y.example", ""); o.Result != greylist.Pass {
			again++
		}
	}
	if full != 0 || again != 0 {
		t.Errorf("%d entries of %d: %d checks reported ErrStoreFull, %d waiting triplets were evicted (retry greylisted again)", store.Len(), greylist.DefaultMaxEntries, full, again)
	}
}

func TestConcurrentChecks(t *testing.T) {
	clk := newClock()
	c := &greylist.Checker{Now: clk.Now}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := c.Check(ctx, ip(fmt.Sprintf("10.0.%d.1", i%7)), "", fmt.Sprintf("s%d@x", g), fmt.Sprintf("r%d@y", i%13), ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestZeroOutcome(t *testing.T) {
	var o greylist.Outcome
	if o.Reason() != "no result" || o.String() != "none (no result)" || o.Reply() != (greylist.Reply{}) {
		t.Errorf("zero Outcome: %q %q %q", o.Reason(), o.String(), o.Reply())
	}
	if greylist.Pass.String() != "pass" || greylist.ListAuto.String() != "auto" {
		t.Error("String of Result or List")
	}
}

func TestTrace(t *testing.T) {
	var lines []string
	c := &greylist.Checker{Now: newClock().Now, Trace: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }}
	c.Check(ctx, ip("192.0.2.1"), "", "a@x", "b@y", "")
	if len(lines) != 1 || !strings.Contains(lines[0], "greylisted") {
		t.Errorf("trace = %q", lines)
	}
}
