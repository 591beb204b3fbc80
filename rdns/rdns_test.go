package rdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func newServer(t testing.TB) *resolvertest.Server {
	t.Helper()
	b, err := os.ReadFile("testdata/rdns.zone")
	if err != nil {
		t.Fatal(err)
	}
	return resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: string(b)})
}

func TestFCrDNS(t *testing.T) {
	srv := newServer(t)
	srv.Fail("broken.example.net.", dns.TypeA, resolvertest.ServFail)
	srv.Fail("50.100.51.198.in-addr.arpa.", dns.TypePTR, resolvertest.ServFail)
	for _, tc := range []struct {
		ip        string
		want      FCrDNSResult
		confirmed string
		errIs     error
	}{
		{"192.0.2.10", FCrDNSConfirmed, "mail.example.com", nil},
		{"::ffff:192.0.2.10", FCrDNSConfirmed, "mail.example.com", nil},
		{"2001:db8::10", FCrDNSConfirmed, "mail.example.com", nil},
		{"192.0.2.99", FCrDNSNone, "", nil},
		{"198.51.100.45", FCrDNSMismatch, "", nil},
		{"198.51.100.46", FCrDNSMismatch, "", nil},
		{"198.51.100.47", FCrDNSConfirmed, "mx2.example.net", nil},
		{"198.51.100.48", FCrDNSTempError, "", ErrDNS},
		{"198.51.100.49", FCrDNSMismatch, "", nil},
		{"198.51.100.50", FCrDNSTempError, "", ErrDNS},
		{"198.51.100.53", FCrDNSConfirmed, "alias.example.net", nil},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			c := &Checker{Resolver: srv.Resolver()}
			r, err := c.FCrDNS(context.Background(), netip.MustParseAddr(tc.ip))
			if err != nil || r.Result != tc.want || r.Confirmed != tc.confirmed {
				t.Errorf("FCrDNS(%s) = %s, %v, want %s (%s)", tc.ip, r, err, tc.want, tc.confirmed)
			}
			if (tc.errIs == nil) != (r.Err == nil) || (tc.errIs != nil && !errors.Is(r.Err, tc.errIs)) {
				t.Errorf("FCrDNS(%s).Err = %v, want %v", tc.ip, r.Err, tc.errIs)
			}
		})
	}
}

// TestFCrDNSNetResolver: *net.Resolver, which the Resolver interface
// admits, returns the valid PTR names with an error when another PTR
// record holds a malformed name; the valid names are still checked.
func TestFCrDNSNetResolver(t *testing.T) {
	srv := newServer(t)
	if err := srv.Add("54.100.51.198.in-addr.arpa. 300 IN PTR bad-.example.net.",
		"54.100.51.198.in-addr.arpa. 300 IN PTR host54.example.net.",
		"host54.example.net. 300 IN A 198.51.100.54"); err != nil {
		t.Fatal(err)
	}
	nr := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	c := &Checker{Resolver: nr}
	ip := netip.MustParseAddr("198.51.100.54")
	if r, _ := c.FCrDNS(context.Background(), ip); r.Result != FCrDNSConfirmed || r.Confirmed != "host54.example.net" {
		t.Errorf("FCrDNS(%s) through net.Resolver = %s, want confirmed (host54.example.net)", ip, r)
	}
	// Failures through net.Resolver are temperrors too, never a pass.
	srv.Fail("50.100.51.198.in-addr.arpa.", dns.TypePTR, resolvertest.ServFail)
	srv.Fail("broken.example.net.", dns.TypeA, resolvertest.ServFail)
	for _, ip := range []string{"198.51.100.50", "198.51.100.48"} {
		if r, err := c.FCrDNS(context.Background(), netip.MustParseAddr(ip)); err != nil || r.Result != FCrDNSTempError || !errors.Is(r.Err, ErrDNS) {
			t.Errorf("FCrDNS(%s) through net.Resolver on SERVFAIL = %s, %v, want temperror with ErrDNS", ip, r, err)
		}
	}
}

func TestFCrDNSLimits(t *testing.T) {
	srv := newServer(t)
	ip := netip.MustParseAddr("198.51.100.47")
	c := &Checker{Resolver: srv.Resolver(), MaxNames: 1}
	if r, _ := c.FCrDNS(context.Background(), ip); r.Result != FCrDNSMismatch || !errors.Is(r.Err, ErrTooManyNames) ||
		r.AuthResult().Value != "permerror" || r.Reason() != "too many PTR names" {
		t.Errorf("FCrDNS(%s) with MaxNames 1 = %s (%s), want mismatch with ErrTooManyNames, iprev=permerror", ip, r, r.AuthResult())
	}
	c.MaxNames = 2
	if r, _ := c.FCrDNS(context.Background(), ip); r.Result != FCrDNSConfirmed {
		t.Errorf("FCrDNS(%s) with MaxNames 2 = %s, want confirmed", ip, r)
	}
	multi := netip.MustParseAddr("198.51.100.51")
	c = &Checker{Resolver: srv.Resolver(), MaxAddrs: 1}
	if r, _ := c.FCrDNS(context.Background(), multi); r.Result != FCrDNSMismatch || !errors.Is(r.Err, ErrTooManyAddrs) ||
		r.AuthResult().Value != "permerror" || r.Reason() != "too many addresses" {
		t.Errorf("FCrDNS(%s) with MaxAddrs 1 = %s (%s), want mismatch with ErrTooManyAddrs, iprev=permerror", multi, r, r.AuthResult())
	}
	if r, _ := c.CheckHELO(context.Background(), multi, "multi.example.net"); r.Result != HELOResolves || !errors.Is(r.Err, ErrTooManyAddrs) {
		t.Errorf("CheckHELO(%s, multi.example.net) with MaxAddrs 1 = %s, want resolves with ErrTooManyAddrs", multi, r)
	}
	c.MaxAddrs = 2
	if r, _ := c.FCrDNS(context.Background(), multi); r.Result != FCrDNSConfirmed || r.Err != nil {
		t.Errorf("FCrDNS(%s) with MaxAddrs 2 = %s, want confirmed", multi, r)
	}
	if r, _ := c.CheckHELO(context.Background(), multi, "multi.example.net"); r.Result != HELOMatch || r.Err != nil {
		t.Errorf("CheckHELO(%s, multi.example.net) with MaxAddrs 2 = %s, want match", multi, r)
	}
}

// TestInvalidIP: a client address that is not valid is the one input
// the checks cannot run with: an error, and an outcome that is no pass.
func TestInvalidIP(t *testing.T) {
	c := &Checker{Resolver: newServer(t).Resolver()}
	if r, err := c.FCrDNS(context.Background(), netip.Addr{}); !errors.Is(err, ErrInvalidIP) || r.Result != FCrDNSTempError {
		t.Errorf("FCrDNS(zero) = %s, %v, want temperror and ErrInvalidIP", r, err)
	}
	if r, err := c.CheckHELO(context.Background(), netip.Addr{}, "mail.example.com"); !errors.Is(err, ErrInvalidIP) || r.Result != HELOTempError {
		t.Errorf("CheckHELO(zero, mail.example.com) = %s, %v, want temperror and ErrInvalidIP", r, err)
	}
}

func TestMatchS25R(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule int
	}{
		{"198-51-113-45.dyn.example.net", 1},
		{"p1234-ip01.example.ne.jp", 1},
		{"h198-51-100-2.example.net.", 1},
		{"cpe0012345678.example.com", 2},
		{"CPE0012345678.EXAMPLE.COM", 2},
		{"1.2.3.example.com", 3},
		{"dsl.1x.pool.example.net", 3},
		{"pc1.0-2.example.com", 4},
		{"host1.pool2.dsl.example.com", 5},
		{"dhcp123.example.com", 6},
		{"ppp-4.example.net", 6},
		{"adsl1.example.org", 6},
		{"mail.example.com", 0},
		{"mx1.example.com", 0},
		{"smtp-out2.example.org", 0},
		{"a1.example.com", 0},
		{"12.34.example.com", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := MatchS25R(tc.name)
			if r.Number != tc.rule || ok != (tc.rule != 0) {
				t.Errorf("MatchS25R(%q) = rule %d %v, want rule %d", tc.name, r.Number, ok, tc.rule)
			}
		})
	}
}

func TestEmbeddedIP(t *testing.T) {
	for _, tc := range []struct {
		name, ip string
		form     IPForm
	}{
		{"198-51-113-45.dyn.example.net", "198.51.113.45", FormDashed},
		{"host198-51-113-45.example.net", "198.51.113.45", FormDashed},
		{"ip_198_51_113_45.example.net", "198.51.113.45", FormDashed},
		{"198.51.113.45.static.example.net", "198.51.113.45", FormDotted},
		{"45.113.51.198.rev.example.net", "198.51.113.45", FormReversed},
		{"45-113-51-198.example.net", "198.51.113.45", FormReversed},
		{"c633712d.example.net", "198.51.113.45", FormHex},
		{"cust198051113045.example.net", "198.51.113.45", FormPadded},
		{"2001-db8--10.example.net", "2001:db8::10", FormIPv6},
		{"20010db8000000000000000000000010.example.net", "2001:db8::10", FormIPv6},
		{"198-51-113-46.dyn.example.net", "198.51.113.45", ""},
		{"mail.example.com", "192.0.2.10", ""},
		{"1198-51-113-45.example.net", "198.51.113.45", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, ok := EmbeddedIP(tc.name, netip.MustParseAddr(tc.ip))
			if form != tc.form || ok != (tc.form != "") {
				t.Errorf("EmbeddedIP(%q, %s) = %q, %v, want %q", tc.name, tc.ip, form, ok, tc.form)
			}
			if form.String() != string(tc.form) {
				t.Errorf("EmbeddedIP(%q, %s).String() = %q, want %q", tc.name, tc.ip, form.String(), tc.form)
			}
		})
	}
}

func TestGeneric(t *testing.T) {
	c := &Checker{GenericAllow: []string{"pool.example.org"}}
	ip := netip.MustParseAddr("198.51.113.45")
	for _, tc := range []struct {
		name   string
		want   string
		reason string
	}{
		{"198-51-113-45.dyn.example.net", "generic (S25R rule 1; embeds IP dashed)", "generic host name (S25R rule 1)"},
		{"dhcp7.example.net", "generic (S25R rule 6)", "generic host name (S25R rule 6)"},
		{"c633712d.example.net", "generic (S25R rule 2; embeds IP hex)", "generic host name (S25R rule 2)"},
		{"mx.c633712d.example.net", "generic (embeds IP hex)", "host name embeds the address"},
		{"mail.example.com", "not generic", "not generic"},
		{"dhcp7.pool.example.org", "allowed by pool.example.org (S25R rule 6)", "allowlisted"},
		{"pool.example.org", "not generic", "not generic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := c.Generic(tc.name, ip)
			if got := g.String(); got != tc.want {
				t.Errorf("Generic(%q) = %q, want %q", tc.name, got, tc.want)
			}
			if (g.Result == Generic) != strings.HasPrefix(tc.want, "generic") || g.Reason() != tc.reason {
				t.Errorf("Generic(%q) = %s, reason %q, want reason %q", tc.name, g.Result, g.Reason(), tc.reason)
			}
		})
	}
}

func TestCheckHELO(t *testing.T) {
	srv := newServer(t)
	srv.Fail("broken.example.net.", dns.TypeA, resolvertest.ServFail)
	c := &Checker{
		Resolver:  srv.Resolver(),
		HostNames: []string{"mx.example.org."},
		HostIPs:   []netip.Addr{netip.MustParseAddr("203.0.113.1")},
	}
	for _, tc := range []struct {
		helo, client string
		want         HELOResult
	}{
		{"mail.example.com", "192.0.2.10", HELOMatch},
		{"MAIL.EXAMPLE.COM.", "192.0.2.10", HELOMatch},
		{"mail.example.com", "2001:db8::10", HELOMatch},
		{"mail.example.com", "198.51.100.1", HELOResolves},
		{"nowhere.example.com", "198.51.100.1", HELOUnresolvable},
		{"broken.example.net", "198.51.100.1", HELOTempError},
		{"localhost", "198.51.100.1", HELOInvalid},
		{"", "198.51.100.1", HELOInvalid},
		{"bad_name-.example.com", "198.51.100.1", HELOInvalid},
		{"[192.0.2.10", "192.0.2.10", HELOInvalid},
		{"[IPv6:192.0.2.10]", "192.0.2.10", HELOInvalid},
		{"[2001:db8::10]", "2001:db8::10", HELOInvalid},
		{"192.0.2.10", "192.0.2.10", HELOBareIP},
		{"192.0.2.10.", "192.0.2.10", HELOBareIP},
		{"203.0.113.1.", "198.51.100.1", HELOOurs},
		{"[192.0.2.10]", "192.0.2.10", HELOMatch},
		{"[IPv6:2001:db8::10]", "2001:db8::10", HELOMatch},
		{"[IPV6:2001:db8::10]", "2001:db8::10", HELOMatch},
		{"[iPv6:2001:db8::10]", "2001:db8::10", HELOMatch},
		{"[IPv6 2001:db8::10]", "2001:db8::10", HELOInvalid},
		{"[192.0.2.11]", "192.0.2.10", HELOLiteralMismatch},
		{"mx.example.org", "198.51.100.1", HELOOurs},
		{"mx.example.org", "203.0.113.1", HELOMatch},
		{"[203.0.113.1]", "203.0.113.1", HELOMatch},
		{"[203.0.113.1]", "198.51.100.1", HELOOurs},
		{"203.0.113.1", "198.51.100.1", HELOOurs},
	} {
		t.Run(tc.helo, func(t *testing.T) {
			r, err := c.CheckHELO(context.Background(), netip.MustParseAddr(tc.client), tc.helo)
			if err != nil || r.Result != tc.want {
				t.Errorf("CheckHELO(%s, %q) = %s, %v, want %s", tc.client, tc.helo, r, err, tc.want)
			}
		})
	}
}

// TestFCrDNSNamesConcurrent: four PTR names on a server answering after
// 300 ms: the names' lookups run concurrently, so the check ends well
// within a 1.05 s deadline that five sequential round trips (1.5 s)
// would exceed; the last name confirms.
func TestFCrDNSNamesConcurrent(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(300 * time.Millisecond)
	c := &Checker{Resolver: srv.Resolver()}
	ctx, cancel := context.WithTimeout(context.Background(), 1050*time.Millisecond)
	defer cancel()
	ip := netip.MustParseAddr("198.51.100.52")
	if r, _ := c.FCrDNS(ctx, ip); r.Result != FCrDNSConfirmed || r.Confirmed != "n4.example.net" || len(r.Names) != 4 {
		t.Errorf("FCrDNS(%s) = %s, want confirmed by n4.example.net of 4 names", ip, r)
	}
}

// TestZeroChecker: the zero Checker is ready to use, as its doc says: a
// nil Resolver means net.DefaultResolver (asked here under a cancelled
// context, so without network), and a lookup that could not be made is
// a temperror, never a panic or a pass.
func TestZeroChecker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c Checker
	ip := netip.MustParseAddr("192.0.2.10")
	if r, err := c.FCrDNS(ctx, ip); err != nil || r.Result != FCrDNSTempError || !errors.Is(r.Err, ErrDNS) {
		t.Errorf("zero Checker: FCrDNS(%s) = %s, %v, want temperror with ErrDNS", ip, r, err)
	}
	if r, err := c.CheckHELO(ctx, ip, "mail.example.com"); err != nil || r.Result != HELOTempError || !errors.Is(r.Err, ErrDNS) {
		t.Errorf("zero Checker: CheckHELO(%s, mail.example.com) = %s, %v, want temperror with ErrDNS", ip, r, err)
	}
}

// TestAuthResult: FCrDNS renders as the iprev method (RFC 8601 §3) with
// the results of RFC 8601 §2.7.3, the client address in policy.iprev, and
// a reason= that holds neither the resolver's address nor its port.
func TestAuthResult(t *testing.T) {
	srv := newServer(t)
	srv.Fail("broken.example.net.", dns.TypeA, resolvertest.ServFail)
	srv.Fail("55.100.51.198.in-addr.arpa.", dns.TypePTR, resolvertest.Drop)
	c := &Checker{Resolver: srv.Resolver(), Timeout: 300 * time.Millisecond}
	for _, tc := range []struct {
		ip   string
		want string
	}{
		{"192.0.2.10", `iprev=pass policy.iprev=192.0.2.10`},
		{"2001:db8::10", `iprev=pass policy.iprev="2001:db8::10"`},
		{"198.51.100.45", `iprev=fail reason="no PTR name resolves to the client" policy.iprev=198.51.100.45`},
		{"198.51.100.46", `iprev=fail reason="no PTR name resolves to the client" policy.iprev=198.51.100.46`},
		{"192.0.2.99", `iprev=permerror reason="no PTR record" policy.iprev=192.0.2.99`},
		{"198.51.100.48", `iprev=temperror reason="DNS server failure" policy.iprev=198.51.100.48`},
		{"198.51.100.55", `iprev=temperror reason="DNS timeout" policy.iprev=198.51.100.55`},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			o, err := c.FCrDNS(context.Background(), netip.MustParseAddr(tc.ip))
			if err != nil {
				t.Fatal(err)
			}
			ar := o.AuthResult()
			if got := ar.String(); got != tc.want {
				t.Errorf("FCrDNS(%s).AuthResult() = %s, want %s", tc.ip, got, tc.want)
			}
			if o.Err != nil && strings.Contains(ar.String(), srv.Addr) {
				t.Errorf("FCrDNS(%s).AuthResult() = %s: leaks the resolver address of Err %v", tc.ip, ar, o.Err)
			}
		})
	}
}

// TestTimeout trips Checker.Timeout: a server that never answers costs
// one Timeout, not the resolver's retries, and the check is a temperror
// (never a pass) with a "DNS timeout" reason.
func TestTimeout(t *testing.T) {
	srv := newServer(t)
	srv.Fail("10.2.0.192.in-addr.arpa.", dns.TypePTR, resolvertest.Drop)
	srv.Fail("mail.example.com.", resolvertest.AnyType, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout, r.Attempts = 2*time.Second, 2 // 4 s without Checker.Timeout
	c := &Checker{Resolver: r, Timeout: 200 * time.Millisecond}
	ip := netip.MustParseAddr("192.0.2.10")
	start := time.Now()
	o, err := c.FCrDNS(context.Background(), ip)
	if d := time.Since(start); err != nil || o.Result != FCrDNSTempError || o.Reason() != "DNS timeout" || d > time.Second {
		t.Errorf("FCrDNS(%s) on a dead server = %s (%q), %v after %v, want temperror, DNS timeout, within 1 s", ip, o, o.Reason(), err, d)
	}
	start = time.Now()
	h, err := c.CheckHELO(context.Background(), ip, "mail.example.com")
	if d := time.Since(start); err != nil || h.Result != HELOTempError || h.Reason() != "DNS timeout" || d > time.Second {
		t.Errorf("CheckHELO(%s, mail.example.com) on a dead server = %s (%q), %v after %v, want temperror, DNS timeout, within 1 s", ip, h, h.Reason(), err, d)
	}
}

// deadlineResolver records the deadline of the contexts it is asked
// with, and answers nothing.
type deadlineResolver struct {
	mu        sync.Mutex
	deadlines []time.Duration // until the deadline; -1 for none
}

func (d *deadlineResolver) record(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		d.deadlines = append(d.deadlines, time.Until(dl))
	} else {
		d.deadlines = append(d.deadlines, -1)
	}
}

func (d *deadlineResolver) LookupAddr(ctx context.Context, _ string) ([]string, error) {
	d.record(ctx)
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

func (d *deadlineResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	d.record(ctx)
	return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
}

// TestTimeoutDefault: a zero Timeout bounds each check by DefaultTimeout
// (10 s), a negative one leaves ctx's deadline alone.
func TestTimeoutDefault(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.10")
	for _, tc := range []struct {
		timeout  time.Duration
		min, max time.Duration // -1: no deadline
	}{
		{0, DefaultTimeout - time.Second, DefaultTimeout},
		{3 * time.Second, 2 * time.Second, 3 * time.Second},
		{-1, -1, -1},
	} {
		r := &deadlineResolver{}
		c := &Checker{Resolver: r, Timeout: tc.timeout}
		if o, err := c.FCrDNS(context.Background(), ip); err != nil || o.Result != FCrDNSNone {
			t.Fatalf("FCrDNS(%s) = %s, %v, want none", ip, o, err)
		}
		if o, err := c.CheckHELO(context.Background(), ip, "mail.example.com"); err != nil || o.Result != HELOUnresolvable {
			t.Fatalf("CheckHELO(%s, mail.example.com) = %s, %v, want unresolvable", ip, o, err)
		}
		if len(r.deadlines) != 2 {
			t.Fatalf("Timeout %v: %d lookups, want 2", tc.timeout, len(r.deadlines))
		}
		for _, d := range r.deadlines {
			if tc.min < 0 && d != -1 || tc.min >= 0 && (d < tc.min || d > tc.max) {
				t.Errorf("Timeout %v: lookup deadline in %v, want between %v and %v", tc.timeout, d, tc.min, tc.max)
			}
		}
	}
}

// TestTrace: the Trace hook sees each lookup and its answer, also those
// of several PTR names looked up concurrently.
func TestTrace(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	var lines []string
	c := &Checker{Resolver: srv.Resolver(), Trace: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	if o, err := c.FCrDNS(context.Background(), netip.MustParseAddr("198.51.100.47")); err != nil || o.Result != FCrDNSConfirmed {
		t.Fatalf("FCrDNS(198.51.100.47) = %s, %v, want confirmed", o, err)
	}
	if _, err := c.CheckHELO(context.Background(), netip.MustParseAddr("198.51.100.47"), "www.example.net"); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines[1:3]) // the forward lookups run concurrently
	want := []string{
		`rdns: PTR 198.51.100.47: ["www.example.net." "mx2.example.net."] <nil>`,
		"rdns: ip4 mx2.example.net: [198.51.100.47] <nil>",
		"rdns: ip4 www.example.net: [198.51.100.80] <nil>",
		"rdns: ip www.example.net: [198.51.100.80] <nil>",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("Trace lines = %q, want %q", lines, want)
	}
}
