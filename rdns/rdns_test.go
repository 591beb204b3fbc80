package rdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
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
		verdict   FCrDNSVerdict
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
			r := c.FCrDNS(context.Background(), netip.MustParseAddr(tc.ip))
			if r.Verdict != tc.verdict || r.Confirmed != tc.confirmed {
				t.Errorf("FCrDNS(%s) = %s, want %s (%s)", tc.ip, r, tc.verdict, tc.confirmed)
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
	if r := c.FCrDNS(context.Background(), ip); r.Verdict != FCrDNSConfirmed || r.Confirmed != "host54.example.net" {
		t.Errorf("FCrDNS(%s) through net.Resolver = %s, want confirmed (host54.example.net)", ip, r)
	}
}

func TestFCrDNSLimits(t *testing.T) {
	srv := newServer(t)
	ip := netip.MustParseAddr("198.51.100.47")
	c := &Checker{Resolver: srv.Resolver(), MaxNames: 1}
	if r := c.FCrDNS(context.Background(), ip); r.Verdict != FCrDNSMismatch || !errors.Is(r.Err, ErrTooManyNames) {
		t.Errorf("FCrDNS(%s) with MaxNames 1 = %s, want mismatch with ErrTooManyNames", ip, r)
	}
	c.MaxNames = 2
	if r := c.FCrDNS(context.Background(), ip); r.Verdict != FCrDNSConfirmed {
		t.Errorf("FCrDNS(%s) with MaxNames 2 = %s, want confirmed", ip, r)
	}
	multi := netip.MustParseAddr("198.51.100.51")
	c = &Checker{Resolver: srv.Resolver(), MaxAddrs: 1}
	if r := c.FCrDNS(context.Background(), multi); r.Verdict != FCrDNSMismatch || !errors.Is(r.Err, ErrTooManyAddrs) {
		t.Errorf("FCrDNS(%s) with MaxAddrs 1 = %s, want mismatch with ErrTooManyAddrs", multi, r)
	}
	if r := c.CheckHELO(context.Background(), "multi.example.net", multi); r.Verdict != HELOResolves || !errors.Is(r.Err, ErrTooManyAddrs) {
		t.Errorf("CheckHELO(multi.example.net, %s) with MaxAddrs 1 = %s, want resolves with ErrTooManyAddrs", multi, r)
	}
	c.MaxAddrs = 2
	if r := c.FCrDNS(context.Background(), multi); r.Verdict != FCrDNSConfirmed || r.Err != nil {
		t.Errorf("FCrDNS(%s) with MaxAddrs 2 = %s, want confirmed", multi, r)
	}
	if r := c.CheckHELO(context.Background(), "multi.example.net", multi); r.Verdict != HELOMatch || r.Err != nil {
		t.Errorf("CheckHELO(multi.example.net, %s) with MaxAddrs 2 = %s, want match", multi, r)
	}
	if r := c.FCrDNS(context.Background(), netip.Addr{}); !errors.Is(r.Err, ErrInvalidIP) {
		t.Errorf("FCrDNS(zero) = %s, want ErrInvalidIP", r)
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
		name string
		want string
	}{
		{"198-51-113-45.dyn.example.net", "generic (S25R rule 1; embeds IP dashed)"},
		{"dhcp7.example.net", "generic (S25R rule 6)"},
		{"c633712d.example.net", "generic (S25R rule 2; embeds IP hex)"},
		{"mail.example.com", "not generic"},
		{"dhcp7.pool.example.org", "allowed by pool.example.org (S25R rule 6)"},
		{"pool.example.org", "not generic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Generic(tc.name, ip).String(); got != tc.want {
				t.Errorf("Generic(%q) = %q, want %q", tc.name, got, tc.want)
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
		want         HELOVerdict
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
			r := c.CheckHELO(context.Background(), tc.helo, netip.MustParseAddr(tc.client))
			if r.Verdict != tc.want {
				t.Errorf("CheckHELO(%q, %s) = %s, want %s", tc.helo, tc.client, r, tc.want)
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
	if r := c.FCrDNS(ctx, ip); r.Verdict != FCrDNSConfirmed || r.Confirmed != "n4.example.net" || len(r.Names) != 4 {
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
	if r := c.FCrDNS(ctx, ip); r.Verdict != FCrDNSTempError || !errors.Is(r.Err, ErrDNS) {
		t.Errorf("zero Checker: FCrDNS(%s) = %s, want temperror with ErrDNS", ip, r)
	}
	if r := c.CheckHELO(ctx, "mail.example.com", ip); r.Verdict != HELOTempError || !errors.Is(r.Err, ErrDNS) {
		t.Errorf("zero Checker: CheckHELO(mail.example.com, %s) = %s, want temperror with ErrDNS", ip, r)
	}
}
