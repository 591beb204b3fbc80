package resolvertest_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestTypeConstants checks the package's type numbers against
// miekg/dns's.
func TestTypeConstants(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ours, theirs uint16
		name         string
	}{
		{resolvertest.TypeA, dns.TypeA, "A"}, {resolvertest.TypeNS, dns.TypeNS, "NS"},
		{resolvertest.TypeCNAME, dns.TypeCNAME, "CNAME"}, {resolvertest.TypeSOA, dns.TypeSOA, "SOA"},
		{resolvertest.TypePTR, dns.TypePTR, "PTR"}, {resolvertest.TypeMX, dns.TypeMX, "MX"},
		{resolvertest.TypeTXT, dns.TypeTXT, "TXT"}, {resolvertest.TypeAAAA, dns.TypeAAAA, "AAAA"},
		{resolvertest.TypeSRV, dns.TypeSRV, "SRV"}, {resolvertest.TypeTLSA, dns.TypeTLSA, "TLSA"},
		{resolvertest.TypeCAA, dns.TypeCAA, "CAA"},
	} {
		if tt.ours != tt.theirs {
			t.Errorf("Type%s = %d, want %d", tt.name, tt.ours, tt.theirs)
		}
	}
}

// TestAddTXT reads records added as Go strings back through package
// resolver, octet for octet, and checks on the wire that a string over
// 255 octets became several character-strings (RFC 1035 §3.3.14).
func TestAddTXT(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	long := strings.Repeat("0123456789", 40)[:300]
	tests := []struct {
		name    string   // owner, raw octets
		txt     []string // AddTXT's strings
		strings int      // character-strings on the wire
	}{
		{"quotes.example.com", []string{`say "hi"`}, 1},
		{"backslash.example.com", []string{`C:\path\`, `\"`, `\\`}, 3},
		{"semicolons.example.com", []string{"v=DKIM1; k=rsa; p=abc;"}, 1},
		{"octets.example.com", []string{"caf\xc3\xa9 \xff\x00\x01\r\n\t\x7f"}, 1},
		{"empty.example.com", nil, 1},
		{"empty-string.example.com", []string{""}, 1},
		{"exactly-255.example.com", []string{long[:255]}, 1},
		{"256.example.com", []string{long[:256]}, 2},
		{"300.example.com", []string{long}, 2},
		{"510.example.com", []string{long + long[:210]}, 2},
		{"511.example.com", []string{long + long[:211]}, 3},
		{"several-long.example.com", []string{long, "\\" + long, `"`}, 5},
		{"a b.example.com", []string{"owner with a space"}, 1},
		{`q"();'@\.example.com`, []string{"owner with specials"}, 1},
		{"caf\xc3\xa9.example.com", []string{"owner in UTF-8"}, 1},
	}
	for _, tt := range tests {
		if err := srv.AddTXT(tt.name, time.Minute, tt.txt...); err != nil {
			t.Fatalf("AddTXT(%q, %q) = %v", tt.name, tt.txt, err)
		}
	}
	r := srv.Resolver()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.TXT(context.Background(), tt.name)
			want := []string{strings.Join(tt.txt, "")}
			if err != nil || !slices.Equal(res.Records, want) {
				t.Fatalf("TXT(%q) = %q, %v, want %q", tt.name, res.Records, err, want)
			}
			if res.TTL != time.Minute {
				t.Errorf("TXT(%q).TTL = %v, want 1m", tt.name, res.TTL)
			}
			m, err := exchange(t, srv, "tcp", dns.Fqdn(escape(tt.name)), dns.TypeTXT, 0)
			if err != nil || len(m.Answer) != 1 {
				t.Fatalf("exchange: %v, %v", m, err)
			}
			if got := m.Answer[0].(*dns.TXT).Txt; len(got) != tt.strings {
				t.Errorf("%d character-strings on the wire (%q), want %d", len(got), got, tt.strings)
			}
		})
	}
}

// escape returns the presentation form of a raw name whose specials
// are those of TestAddTXT, for miekg/dns's client.
func escape(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case strings.IndexByte(` "();'@\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c > '~':
			b.WriteString("\\" + string(rune('0'+c/100)) + string(rune('0'+c/10%10)) + string(rune('0'+c%10)))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestAddRecords adds every kind of record as Go values and reads them
// back through package resolver.
func TestAddRecords(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t,
		resolvertest.Zone{Origin: "example.com."},
		resolvertest.Zone{Origin: "2.0.192.in-addr.arpa."},
		resolvertest.Zone{Origin: "8.b.d.0.1.0.0.2.ip6.arpa."},
	)
	ip := netip.MustParseAddr
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.AddA("mail.example.com", time.Hour, ip("192.0.2.25"), ip("::ffff:192.0.2.26")))
	must(srv.AddAAAA("mail.example.com", time.Hour, ip("2001:db8::25")))
	must(srv.AddMX("example.com", time.Hour, 20, "backup.example.com"))
	must(srv.AddMX("example.com", time.Hour, 10, "mail.example.com"))
	must(srv.AddMX("nomail.example.com", time.Hour, 0, "."))
	must(srv.AddCNAME("www.example.com", time.Hour, "mail.example.com"))
	must(srv.AddPTR(ip("192.0.2.25"), time.Hour, "mail.example.com"))
	must(srv.AddPTR(ip("2001:db8::25"), time.Hour, "mail.example.com.", "other.example.com"))
	// SRV 10 5 25 mail.example.com., as RDATA.
	must(srv.AddRecord("_submission._tcp.example.com", resolvertest.TypeSRV, time.Hour,
		append([]byte{0, 10, 0, 5, 0, 25}, "\x04mail\x07example\x03com\x00"...)))

	r := srv.Resolver()
	ctx := context.Background()
	if got, err := r.LookupNetIP(ctx, "ip", "mail.example.com"); err != nil ||
		!slices.Equal(got, []netip.Addr{ip("192.0.2.25"), ip("192.0.2.26"), ip("2001:db8::25")}) {
		t.Errorf("LookupNetIP(mail) = %v, %v", got, err)
	}
	if got, err := r.MX(ctx, "example.com"); err != nil ||
		!slices.Equal(got.Records, []resolver.MX{{Host: "mail.example.com.", Pref: 10}, {Host: "backup.example.com.", Pref: 20}}) {
		t.Errorf("MX(example.com) = %v, %v", got.Records, err)
	}
	if got, err := r.MX(ctx, "nomail.example.com"); err != nil || !slices.Equal(got.Records, []resolver.MX{{Host: ".", Pref: 0}}) {
		t.Errorf("MX(nomail) = %v, %v, want a null MX", got.Records, err)
	}
	if got, err := r.A(ctx, "www.example.com"); err != nil || got.Canonical != "mail.example.com." || len(got.Records) != 2 {
		t.Errorf("A(www) = %+v, %v, want mail's addresses through the CNAME", got, err)
	}
	if got, err := r.PTR(ctx, ip("192.0.2.25")); err != nil || !slices.Equal(got.Records, []string{"mail.example.com."}) {
		t.Errorf("PTR(192.0.2.25) = %v, %v", got.Records, err)
	}
	if got, err := r.PTR(ctx, ip("2001:db8::25")); err != nil || !slices.Equal(got.Records, []string{"mail.example.com.", "other.example.com."}) {
		t.Errorf("PTR(2001:db8::25) = %v, %v", got.Records, err)
	}
	m, err := exchange(t, srv, "udp", "_submission._tcp.example.com.", dns.TypeSRV, 0)
	if err != nil || len(m.Answer) != 1 || m.Answer[0].(*dns.SRV).Target != "mail.example.com." || m.Answer[0].(*dns.SRV).Port != 25 {
		t.Errorf("SRV answer = %v, %v", m, err)
	}
}

func TestAddErrors(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	ip := netip.MustParseAddr
	long := strings.Repeat("x", 64)
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"name in no zone", srv.AddTXT("example.net", time.Minute, "x")},
		{"label over 63 octets", srv.AddTXT(long+".example.com", time.Minute, "x")},
		{"empty label", srv.AddTXT("a..example.com", time.Minute, "x")},
		{"name over 255 octets", srv.AddTXT(strings.Repeat("abcdefghi.", 25)+"example.com", time.Minute, "x")},
		{"negative TTL", srv.AddTXT("a.example.com", -time.Second, "x")},
		{"TTL over 2^31-1 s", srv.AddTXT("a.example.com", (1<<31)*time.Second, "x")},
		{"RDATA over 65535 octets", srv.AddTXT("a.example.com", time.Minute, strings.Repeat("x", 65535))},
		{"IPv6 in AddA", srv.AddA("a.example.com", time.Minute, ip("2001:db8::1"))},
		{"IPv4 in AddAAAA", srv.AddAAAA("a.example.com", time.Minute, ip("192.0.2.1"))},
		{"invalid address", srv.AddA("a.example.com", time.Minute, netip.Addr{})},
		{"PTR of invalid address", srv.AddPTR(netip.Addr{}, time.Minute, "a.example.com")},
		{"PTR outside every zone", srv.AddPTR(ip("192.0.2.1"), time.Minute, "a.example.com")},
		{"bad MX target", srv.AddMX("a.example.com", time.Minute, 10, long)},
		{"bad CNAME target", srv.AddCNAME("a.example.com", time.Minute, "a..b")},
		{"RDATA left over", srv.AddRecord("a.example.com", resolvertest.TypeA, time.Minute, []byte{192, 0, 2, 1, 0})},
		{"RDATA short", srv.AddRecord("a.example.com", resolvertest.TypeA, time.Minute, []byte{192, 0, 2})},
		{"RDATA with a compression pointer", srv.AddRecord("a.example.com", resolvertest.TypeCNAME, time.Minute, []byte{0xc0, 0x0c})},
		{"AnyType", srv.AddRecord("a.example.com", resolvertest.AnyType, time.Minute, nil)},
		{"QTYPE ANY", srv.AddRecord("a.example.com", dns.TypeANY, time.Minute, nil)},
	} {
		if tt.err == nil {
			t.Errorf("%s: error = nil, want error", tt.name)
		}
	}
	// None of them added anything.
	if m, err := exchange(t, srv, "udp", "a.example.com.", dns.TypeANY, 0); err != nil || m.Rcode != dns.RcodeNameError {
		t.Errorf("after failed adds: a.example.com is %v, %v; want NXDOMAIN", m, err)
	}
}

// TestFailExcept checks the rule failing every type but some.
func TestFailExcept(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: `
host  IN A    192.0.2.1
host  IN AAAA 2001:db8::1
host  IN TXT  "v=spf1 -all"
host  IN MX   10 host
`})
	r := srv.Resolver()
	ctx := context.Background()
	lookups := []struct {
		qtype  uint16
		lookup func() error
	}{
		{resolvertest.TypeA, func() error { _, err := r.A(ctx, "host.example.com"); return err }},
		{resolvertest.TypeAAAA, func() error { _, err := r.AAAA(ctx, "host.example.com"); return err }},
		{resolvertest.TypeTXT, func() error { _, err := r.TXT(ctx, "host.example.com"); return err }},
		{resolvertest.TypeMX, func() error { _, err := r.MX(ctx, "host.example.com"); return err }},
	}
	check := func(step string, want map[uint16]error) {
		t.Helper()
		for _, l := range lookups {
			if err := l.lookup(); !errors.Is(err, want[l.qtype]) || (want[l.qtype] == nil) != (err == nil) {
				t.Errorf("%s: %s lookup error = %v, want %v", step, dns.TypeToString[l.qtype], err, want[l.qtype])
			}
		}
	}
	srv.FailExcept("host.example.com", resolvertest.ServFail, resolvertest.TypeA, resolvertest.TypeAAAA)
	check("FailExcept A AAAA", map[uint16]error{resolvertest.TypeTXT: resolver.ErrServFail, resolvertest.TypeMX: resolver.ErrServFail})

	srv.Fail("host.example.com", resolvertest.TypeA, resolvertest.Refused)
	srv.Fail("host.example.com", resolvertest.TypeMX, resolvertest.Healthy) // no rule for MX: nothing to remove
	check("a rule for A wins", map[uint16]error{resolvertest.TypeA: resolver.ErrRefused, resolvertest.TypeTXT: resolver.ErrServFail, resolvertest.TypeMX: resolver.ErrServFail})
	srv.Fail("host.example.com", resolvertest.TypeA, resolvertest.Healthy)

	srv.FailExcept("host.example.com", resolvertest.Refused)
	check("FailExcept without types fails all", map[uint16]error{resolvertest.TypeA: resolver.ErrRefused, resolvertest.TypeAAAA: resolver.ErrRefused,
		resolvertest.TypeTXT: resolver.ErrRefused, resolvertest.TypeMX: resolver.ErrRefused})

	srv.FailExcept("host.example.com", resolvertest.ServFail, resolvertest.TypeTXT)
	srv.Fail("host.example.com", resolvertest.AnyType, resolvertest.Refused)
	check("Fail AnyType replaces FailExcept", map[uint16]error{resolvertest.TypeA: resolver.ErrRefused, resolvertest.TypeAAAA: resolver.ErrRefused,
		resolvertest.TypeTXT: resolver.ErrRefused, resolvertest.TypeMX: resolver.ErrRefused})

	srv.FailExcept("host.example.com", resolvertest.ServFail, resolvertest.TypeTXT)
	srv.FailExcept("host.example.com", resolvertest.Healthy)
	check("FailExcept Healthy removes", map[uint16]error{})
}

// TestRawNames checks that rules, counts and the query log take and give
// names as raw octets, as package resolver does.
func TestRawNames(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	if err := srv.AddTXT("a b.example.com", time.Minute, "x"); err != nil {
		t.Fatal(err)
	}
	srv.Fail("A B.example.com", resolvertest.TypeTXT, resolvertest.ServFail)
	srv.Authenticate("a b.example.com")
	r := srv.Resolver()
	if _, err := r.TXT(context.Background(), "a b.example.com"); !errors.Is(err, resolver.ErrServFail) {
		t.Errorf("TXT(a b) with Fail(A B, ServFail) error = %v, want ErrServFail", err)
	}
	srv.Fail("a b.example.com.", resolvertest.TypeTXT, resolvertest.Healthy)
	if res, err := r.TXT(context.Background(), "A B.example.com"); err != nil || !res.Authentic {
		t.Errorf("TXT(A B) after Healthy = %+v, %v, want the record, authentic", res, err)
	}
	if n := srv.Count("a b.example.com", resolvertest.TypeTXT); n != 2 {
		t.Errorf("Count(a b, TXT) = %d, want 2", n)
	}
	if n := srv.Count("a\\ b.example.com", resolvertest.TypeTXT); n != 0 {
		t.Errorf("Count of the presentation form = %d, want 0 (names are raw)", n)
	}
	qs := srv.Queries()
	if len(qs) != 2 || qs[1].Name != "a b.example.com." || qs[1].String() != "udp a b.example.com. TXT" {
		t.Errorf("Queries() = %q, want the raw name, lower case", qs)
	}
}
