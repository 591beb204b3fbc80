package spf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// checksServer serves testdata/checks.zone.
func checksServer(t *testing.T) *resolvertest.Server {
	t.Helper()
	return resolvertest.NewServer(t, resolvertest.ZoneFile(t, ".", "testdata/checks.zone"))
}

// must returns a function that passes the Outcome of a check through,
// failing tb if the check returned an error: for checks whose arguments
// are usable.
func must(tb testing.TB) func(Outcome, error) Outcome {
	return func(o Outcome, err error) Outcome {
		tb.Helper()
		if err != nil {
			tb.Fatalf("check = %s, error %v, want no error", o, err)
		}
		return o
	}
}

func TestCheck(t *testing.T) {
	srv := checksServer(t)
	srv.Fail("servfail.test", dns.TypeA, resolvertest.ServFail)
	c := &Checker{Resolver: srv.Resolver()}
	for _, tc := range []struct {
		ip, from  string
		want      Result
		mechanism string
		problem   error
		lookups   int
	}{
		{"192.0.2.1", "a@pass.test", Pass, "ip4:192.0.2.0/24", nil, 0},
		{"2001:db8::5", "a@pass.test", Pass, "ip6:2001:db8::/32", nil, 0},
		{"::ffff:192.0.2.1", "a@pass.test", Pass, "ip4:192.0.2.0/24", nil, 0}, // IPv4-mapped: unmapped
		{"198.51.100.1", "a@pass.test", Fail, "-all", nil, 0},
		{"192.0.2.200", "a@a.test", Pass, "a/24", nil, 1},
		{"2001:db8:1:2::ffff", "a@a.test", Pass, "a:other.a.test//64", nil, 2},
		{"198.51.100.1", "a@a.test", Fail, "-all", nil, 2},
		{"192.0.2.21", "a@mx.test", Pass, "mx", nil, 1},
		{"192.0.2.22", "a@mx.test", Fail, "-all", nil, 1},
		{"192.0.2.22", "a@nullmx.test", Neutral, "?all", nil, 1},
		{"192.0.2.1", "a@include.test", Pass, "include:pass.test", nil, 1},
		{"198.51.100.1", "a@include.test", SoftFail, "~all", nil, 1},
		{"198.51.100.1", "a@includefail.test", Neutral, "?all", nil, 1},
		{"198.51.100.1", "a@includenone.test", PermError, "include:nothing.test", ErrIncludeNoRecord, 1},
		{"192.0.2.1", "a@redirect.test", Pass, "ip4:192.0.2.0/24", nil, 1},
		{"192.0.2.1", "a@redirnone.test", PermError, "", ErrRedirectNoRecord, 1},
		{"192.0.2.1", "a@exists.test", Pass, "exists:%{ir}.%{v}.list.exists.test", nil, 1},
		{"192.0.2.2", "a@exists.test", Fail, "-all", nil, 1},
		{"192.0.2.1", "a@ptr.test", Pass, "ptr", nil, 1},
		{"192.0.2.2", "a@ptr.test", Fail, "-all", nil, 1}, // PTR does not validate
		{"192.0.2.1", "a@two.test", PermError, "", ErrMultipleRecords, 0},
		{"192.0.2.1", "a@other.test", None, "", nil, 0},
		{"192.0.2.1", "a@nothing.test", None, "", nil, 0},
		{"192.0.2.1", "a@syntax.test", PermError, "", ErrSyntax, 0},
		{"198.51.100.1", "a@signedcidr.test", PermError, "", ErrSyntax, 0}, // §5.6: "/-0" is no prefix length
		{"192.0.2.1", "a@servfail.test", TempError, "a", ErrDNS, 1},
		{"192.0.2.1", "a@loop.test", PermError, "include:loop.test", ErrTooManyLookups, 11},
		{"192.0.2.1", "a@rloop.test", PermError, "", ErrTooManyLookups, 11},
		{"192.0.2.1", "a@voids.test", PermError, "a:n3.voids.test", ErrTooManyVoidLookups, 3},
		{"192.0.2.1", "a@lookups.test", PermError, "a", ErrTooManyLookups, 11},
		{"192.0.2.1", "a@tenlookups.test", Pass, "all", nil, 10},
		{"192.0.2.1", "a@manymx.test", PermError, "mx", ErrTooManyMXNames, 1},
		{"192.0.2.9", "a@manyptr.test", Fail, "-all", nil, 1}, // the 11th name is ignored
		{"192.0.2.1", "a@single", None, "", ErrInvalidDomain, 0},
		{"192.0.2.1", "a@[192.0.2.1]", None, "", ErrInvalidDomain, 0},
	} {
		t.Run(tc.from+"/"+tc.ip, func(t *testing.T) {
			o := must(t)(c.Check(context.Background(), netip.MustParseAddr(tc.ip), "helo.test", tc.from))
			if o.Result != tc.want || o.Mechanism != tc.mechanism {
				t.Errorf("Check(%s, %s) = %s, want %s with %q", tc.ip, tc.from, o, tc.want, tc.mechanism)
			}
			if tc.problem == nil && o.Err != nil || tc.problem != nil && !errors.Is(o.Err, tc.problem) {
				t.Errorf("Check(%s, %s).Err = %v, want %v", tc.ip, tc.from, o.Err, tc.problem)
			}
			if o.Lookups != tc.lookups {
				t.Errorf("Check(%s, %s).Lookups = %d, want %d", tc.ip, tc.from, o.Lookups, tc.lookups)
			}
			if o.Identity != IdentityMailFrom || o.IP != netip.MustParseAddr(tc.ip).Unmap() {
				t.Errorf("Check(%s, %s) identity %s ip %s, want mailfrom %s", tc.ip, tc.from, o.Identity, o.IP, tc.ip)
			}
		})
	}
}

// TestLimitsOverridable trips each limit set lower, and checks that a
// higher one lifts it.
func TestLimitsOverridable(t *testing.T) {
	srv := checksServer(t)
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		name string
		c    *Checker
		from string
		want Result
		err  error
	}{
		{"MaxDNSLookups=3", &Checker{MaxDNSLookups: 3}, "a@tenlookups.test", PermError, ErrTooManyLookups},
		{"MaxDNSLookups=11", &Checker{MaxDNSLookups: 11}, "a@lookups.test", Pass, nil},
		{"MaxVoidLookups=3", &Checker{MaxVoidLookups: 3}, "a@voids.test", Pass, nil},
		{"MaxVoidLookups=-1", &Checker{MaxVoidLookups: -1}, "a@voids.test", Pass, nil},
		{"MaxVoidLookups=1", &Checker{MaxVoidLookups: 1}, "a@voids.test", PermError, ErrTooManyVoidLookups},
		{"MaxMXNames=11", &Checker{MaxMXNames: 11}, "a@manymx.test", Fail, nil},
		{"MaxMXNames=1", &Checker{MaxMXNames: 1}, "a@mx.test", PermError, ErrTooManyMXNames},
		{"MaxMacroExpansion=100", &Checker{MaxMacroExpansion: 100}, "aaaaaaaaaaaaaaaa@bigmacro.test", PermError, ErrMacroTooLong},
		{"MaxMacroExpansion=default", &Checker{}, "aaaaaaaaaaaaaaaa@bigmacro.test", Fail, nil},
		// Negative limits other than MaxVoidLookups mean the default.
		{"MaxDNSLookups=-1", &Checker{MaxDNSLookups: -1}, "a@tenlookups.test", Pass, nil},
		{"MaxMXNames=-1", &Checker{MaxMXNames: -1}, "a@mx.test", Fail, nil},
		{"MaxMacroExpansion=-1", &Checker{MaxMacroExpansion: -1}, "aaaaaaaaaaaaaaaa@bigmacro.test", Fail, nil},
		{"MaxPTRNames=-1", &Checker{MaxPTRNames: -1}, "a@ptr.test", Pass, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Resolver = srv.Resolver()
			o := must(t)(c.Check(context.Background(), ip, "helo.test", tc.from))
			if o.Result != tc.want || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
				t.Errorf("Check(%s, %s) = %s, want %s (%v)", ip, tc.from, o, tc.want, tc.err)
			}
		})
	}
	// MaxPTRNames: the 11th PTR name validates 192.0.2.9; it counts
	// only with a limit of 11.
	c := &Checker{Resolver: srv.Resolver(), MaxPTRNames: 11}
	if o := must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.9"), "h.test", "a@manyptr.test")); o.Result != Pass {
		t.Errorf("Check(MaxPTRNames=11, manyptr.test) = %s, want pass", o)
	}
}

func TestCheckIdentities(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.30")
	// §2.4: the null reverse-path checks postmaster@HELO.
	o := must(t)(c.Check(context.Background(), ip, "mail.helo.test", ""))
	if o.Result != Pass || o.Identity != IdentityHELO || o.Sender != "postmaster@mail.helo.test" || o.Domain != "mail.helo.test" {
		t.Errorf("Check(%s, mail.helo.test, <>) = %+v, want pass helo postmaster@mail.helo.test", ip, o)
	}
	o = must(t)(c.CheckHELO(context.Background(), netip.MustParseAddr("192.0.2.31"), "mail.helo.test"))
	if o.Result != Fail || o.Identity != IdentityHELO {
		t.Errorf("CheckHELO(192.0.2.31, mail.helo.test) = %s, want fail", o)
	}
	// §4.3: no local-part means postmaster.
	o = must(t)(c.Check(context.Background(), ip, "x.test", "@pass.test"))
	if o.Sender != "postmaster@pass.test" {
		t.Errorf("Check(@pass.test).Sender = %q, want postmaster@pass.test", o.Sender)
	}
	// An invalid IP address: the check cannot run.
	for _, tc := range []struct {
		name  string
		check func() (Outcome, error)
		id    Identity
	}{
		{"Check", func() (Outcome, error) { return c.Check(context.Background(), netip.Addr{}, "x.test", "a@pass.test") }, IdentityMailFrom},
		{"CheckHELO", func() (Outcome, error) { return c.CheckHELO(context.Background(), netip.Addr{}, "mail.helo.test") }, IdentityHELO},
		{"CheckHost", func() (Outcome, error) {
			return c.CheckHost(context.Background(), netip.Addr{}, "x.test", "pass.test", "a@pass.test")
		}, ""},
		{"CheckSenderID", func() (Outcome, error) {
			return c.CheckSenderID(context.Background(), netip.Addr{}, "x.test", "a@pass.test", ScopeMFrom)
		}, IdentityMailFrom},
		{"CheckPRA", func() (Outcome, error) {
			return c.CheckPRA(context.Background(), netip.Addr{}, "x.test", []byte("From: a@pass.test\r\n\r\n"))
		}, IdentityPRA},
	} {
		o, err := tc.check()
		if !errors.Is(err, ErrInvalidIP) || o.Result != None || !errors.Is(o.Err, ErrInvalidIP) || o.Identity != tc.id || o.Lookups != 0 {
			t.Errorf("%s(invalid IP) = %s, %v, want none, ErrInvalidIP for %q", tc.name, o, err, tc.id)
		}
	}
}

func TestExplanation(t *testing.T) {
	srv := checksServer(t)
	ip := netip.MustParseAddr("198.51.100.7")
	c := &Checker{Resolver: srv.Resolver(), DefaultExplanation: "%{i} may not send for %{d}; see %{r} at %{t}",
		ReceiverHost: "mx.receiver.test", Now: func() time.Time { return time.Unix(1234567890, 0) }}
	for _, tc := range []struct{ from, want string }{
		{"jo@exp.test", "198.51.100.7 is not allowed to send for exp.test (jo@exp.test, helo helo.test)"},
		{"jo@fail.test", "198.51.100.7 may not send for fail.test; see mx.receiver.test at 1234567890"},
		{"jo@include.test", ""}, // softfail: no explanation
	} {
		o := must(t)(c.Check(context.Background(), ip, "helo.test", tc.from))
		if o.Explanation != tc.want {
			t.Errorf("Check(%s, %s).Explanation = %q, want %q", ip, tc.from, o.Explanation, tc.want)
		}
	}
}

// TestDNSErrors: failures of the record lookup are temperror (§4.4), a
// timeout too, and NXDOMAIN is none.
func TestDNSErrors(t *testing.T) {
	for _, f := range []resolvertest.Failure{resolvertest.ServFail, resolvertest.Refused, resolvertest.Drop} {
		t.Run(f.String(), func(t *testing.T) {
			srv := checksServer(t)
			srv.Fail("pass.test", dns.TypeTXT, f)
			r := srv.Resolver()
			r.Timeout = 200 * time.Millisecond
			c := &Checker{Resolver: r}
			o := must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.test", "a@pass.test"))
			if o.Result != TempError || !errors.Is(o.Err, ErrDNS) {
				t.Errorf("Check(pass.test with %s) = %s, want temperror", f, o)
			}
		})
	}
	t.Run("Timeout", func(t *testing.T) {
		srv := checksServer(t)
		srv.Delay("pass.test", dns.TypeTXT, 2*time.Second)
		c := &Checker{Resolver: srv.Resolver(), Timeout: 50 * time.Millisecond}
		o := must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.test", "a@pass.test"))
		if o.Result != TempError || !errors.Is(o.Err, ErrDNS) {
			t.Errorf("Check(slow pass.test, Timeout 50ms) = %s, want temperror", o)
		}
	})
}

func TestTrace(t *testing.T) {
	srv := checksServer(t)
	var lines []string
	c := &Checker{Resolver: srv.Resolver(), NoPrefetch: true, Trace: func(f string, a ...any) {
		lines = append(lines, f)
	}}
	must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.test", "a@include.test"))
	if len(lines) < 3 || !strings.HasPrefix(lines[len(lines)-1], "spf: ") {
		t.Errorf("Trace got %q, want the steps of the check", lines)
	}
}

// nilResolver answers nothing; for tests that must not query.
type nilResolver struct{}

func (nilResolver) LookupTXT(context.Context, string) ([]string, error) { return nil, errNoDNS }
func (nilResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errNoDNS
}
func (nilResolver) LookupMX(context.Context, string) ([]*net.MX, error)  { return nil, errNoDNS }
func (nilResolver) LookupAddr(context.Context, string) ([]string, error) { return nil, errNoDNS }

var errNoDNS = errors.New("no DNS in this test")

// TestMacroTrailingDot checks that %{d}, %{o} and %{h} of a domain
// written with its trailing root dot (include:sub.dotted.test.,
// a@x.test., HELO x.test.) are the name without it (RFC 7208 §7.3), not a name with an empty label.
func TestMacroTrailingDot(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
dotted.test.     TXT "v=spf1 include:sub.dotted.test. -all"
sub.dotted.test. TXT "v=spf1 exists:%{d}.ok.test -all"
rev.test.        TXT "v=spf1 exists:%{dr}.%{o}.ok.test -all"
helo.test.       TXT "v=spf1 exists:%{h}.ok.test -all"
helo.test.ok.test. A 127.0.0.2
sub.dotted.test.ok.test.   A 127.0.0.2
test.rev.rev.test.ok.test. A 127.0.0.2
`})
	c := &Checker{Resolver: srv.Resolver()}
	for _, tc := range []struct {
		helo, from string
		want       Result
	}{
		{"h.test", "a@dotted.test", Pass},
		{"h.test", "a@sub.dotted.test.", Pass},
		{"h.test", "a@rev.test.", Pass},
		{"helo.test.", "", Pass},
		{"helo.test.", "a@helo.test", Pass},
	} {
		t.Run(tc.helo+"/"+tc.from, func(t *testing.T) {
			o := must(t)(c.Check(context.Background(), netip.MustParseAddr("192.0.2.1"), tc.helo, tc.from))
			if o.Result != tc.want || o.VoidLookups != 0 {
				t.Errorf("Check(192.0.2.1, %s, %s) = %s, want %s without void lookups", tc.helo, tc.from, o, tc.want)
			}
		})
	}
}

// TestRecordCacheBounded checks that the parsed-record cache of a
// long-lived Checker stays small however many distinct records the
// domains' owners publish: records over 4 kB are not kept (a 64 kB
// record parses to nearly 1 MB), and the text kept is at most 1 MB.
func TestRecordCacheBounded(t *testing.T) {
	c := &Checker{}
	for i := range 300 {
		txt := fmt.Sprintf("v=spf1 exists:%d.example.com", i)
		txt += strings.Repeat(" ip4:192.0.2.1", (4000-len(txt))/14)
		recs := []string{txt}
		if i < 20 {
			recs = append(recs, txt+strings.Repeat(" ip4:192.0.2.1", 4000))
		}
		for _, r := range recs {
			rec, err := c.parse(r)
			if err != nil || rec.String() != r {
				t.Fatalf("parse(%.40q...) = %.40q..., %v, want the record", r, rec, err)
			}
		}
	}
	total := 0
	for txt := range c.records {
		if len(txt) > 4096 {
			t.Errorf("cache holds a record of %d octets, want none over 4096", len(txt))
		}
		total += len(txt)
	}
	if total > 1<<20 {
		t.Errorf("cache holds %d records of %d octets in all, want at most %d", len(c.records), total, 1<<20)
	}
}

// TestMacroExpansionLimitLiterals checks that MaxMacroExpansion bounds
// macro-strings without macros too: an exp= text of 60,000 octets is
// dropped as the limit says (the default explanation is used instead),
// and a literal domain-spec longer than the limit is a permerror.
func TestMacroExpansionLimitLiterals(t *testing.T) {
	var zone strings.Builder
	zone.WriteString("longexp.test. TXT \"v=spf1 -all exp=why.longexp.test\"\nwhy.longexp.test. TXT")
	for range 60000 / 250 {
		zone.WriteString(" \"" + strings.Repeat("x", 250) + "\"")
	}
	zone.WriteString("\nshortexp.test. TXT \"v=spf1 -all exp=why.shortexp.test\"\nwhy.shortexp.test. TXT \"you are not welcome here\"\n")
	label := strings.Repeat("a", 60) + "."
	zone.WriteString("longspec.test. TXT \"v=spf1 a:" + strings.Repeat(label, 3) + "longspec.test -all\"\n")
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: zone.String()})
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		name string
		c    *Checker
		from string
		want Result
		exp  string
		err  error
	}{
		{"default limit", &Checker{DefaultExplanation: "default"}, "a@longexp.test", Fail, "default", nil},
		{"short exp", &Checker{DefaultExplanation: "default"}, "a@shortexp.test", Fail, "you are not welcome here", nil},
		// 24 octets of text, a target of 17.
		{"MaxMacroExpansion=24", &Checker{DefaultExplanation: "default", MaxMacroExpansion: 24}, "a@shortexp.test", Fail, "you are not welcome here", nil},
		{"MaxMacroExpansion=23", &Checker{DefaultExplanation: "default", MaxMacroExpansion: 23}, "a@shortexp.test", Fail, "default", nil},
		{"MaxMacroExpansion=16", &Checker{DefaultExplanation: "default", MaxMacroExpansion: 16}, "a@shortexp.test", Fail, "default", nil},
		{"MaxMacroExpansion=6", &Checker{DefaultExplanation: "default", MaxMacroExpansion: 6}, "a@shortexp.test", Fail, "", nil},
		{"long literal spec", &Checker{}, "a@longspec.test", Fail, "", nil},
		{"long literal spec, MaxMacroExpansion=100", &Checker{MaxMacroExpansion: 100}, "a@longspec.test", PermError, "", ErrMacroTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Resolver = srv.Resolver()
			o := must(t)(c.Check(context.Background(), ip, "helo.test", tc.from))
			if o.Result != tc.want || o.Explanation != tc.exp || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
				t.Errorf("Check(%s, %s) = %.200s, want %s with explanation %q (%v)", ip, tc.from, o, tc.want, tc.exp, tc.err)
			}
		})
	}
}

// TestVoidLookupsPerTerm checks how void lookups are counted (RFC 7208
// §4.6.4 limits the "terms" whose DNS queries find nothing): once for an
// a, mx, ptr or exists term whose own lookup is empty, never for the
// address lookups of MX hosts nor for the PTR lookup of %{p}. pyspf and
// Mail::SPF count every empty answer, and give permerror for the first
// case, a common policy, for every IPv6 client (doc.go, divergences).
func TestVoidLookupsPerTerm(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
v4mx.test.        TXT "v=spf1 mx ~all"
v4mx.test.        MX  10 m1.v4mx.test.
v4mx.test.        MX  20 m2.v4mx.test.
v4mx.test.        MX  30 m3.v4mx.test.
m1.v4mx.test.     A   192.0.2.1
m2.v4mx.test.     A   192.0.2.2
m3.v4mx.test.     A   192.0.2.3
dangling.test.    TXT "v=spf1 mx ~all"
dangling.test.    MX  10 gone1.dangling.test.
dangling.test.    MX  20 gone2.dangling.test.
dangling.test.    MX  30 gone3.dangling.test.
pmacro.test.      TXT "v=spf1 exists:%{p}.p.pmacro.test exists:%{p}.q.pmacro.test exists:%{p}.r.pmacro.test -all"
unknown.r.pmacro.test. A 127.0.0.2
unknown.p.pmacro.test. TXT "not an address"
unknown.q.pmacro.test. TXT "not an address"
threeptr.test.    TXT "v=spf1 ptr ptr ptr ~all"
twovoid.test.     TXT "v=spf1 a:n1.twovoid.test mx:n2.twovoid.test ~all"
`}, resolvertest.Zone{Origin: "in-addr.arpa.", Text: "1.2.0.192.in-addr.arpa. PTR m1.v4mx.test.\n"})
	for _, tc := range []struct {
		ip, from     string
		want         Result
		voids, empty int
		err          error
	}{
		{"2001:db8::99", "a@v4mx.test", SoftFail, 0, 3, nil},                      // three empty AAAA answers, one term
		{"192.0.2.99", "a@dangling.test", SoftFail, 0, 3, nil},                    // three NXDOMAIN hosts, one term
		{"192.0.2.99", "a@pmacro.test", Pass, 2, 3, nil},                          // %{p}: PTR NXDOMAIN not counted; two exists NODATA are
		{"192.0.2.99", "a@threeptr.test", PermError, 3, 1, ErrTooManyVoidLookups}, // each ptr term counts
		{"192.0.2.99", "a@twovoid.test", SoftFail, 2, 2, nil},                     // at the limit
	} {
		t.Run(tc.from+"/"+tc.ip, func(t *testing.T) {
			c := &Checker{Resolver: srv.Resolver(), RecordQueries: true}
			o := must(t)(c.Check(context.Background(), netip.MustParseAddr(tc.ip), "h.test", tc.from))
			if o.Result != tc.want || o.VoidLookups != tc.voids || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
				t.Errorf("Check(%s, %s) = %s, want %s with %d void lookups (%v)", tc.ip, tc.from, o, tc.want, tc.voids, tc.err)
			}
			// The empty answers not counted were there: count the
			// queries of the check that found nothing.
			empty := 0
			for _, q := range o.Queries {
				if resolver.IsNotFound(q.Err) {
					empty++
				}
			}
			if empty != tc.empty {
				t.Errorf("Check(%s, %s) made %d empty queries, want %d: %v", tc.ip, tc.from, empty, tc.empty, o.Queries)
			}
		})
	}
}
