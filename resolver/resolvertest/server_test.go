package resolvertest_test

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
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

const zoneText = `
$TTL 300
@        IN SOA ns hostmaster 7 3600 600 86400 120
@        IN A   192.0.2.1
www      IN CNAME @
out      IN CNAME target.example.org.
b.ent    IN TXT "deep"
*.wild   IN TXT "wildcard"
x.wild   IN A   192.0.2.9
`

// exchange sends one query with miekg/dns's plain client, so the server
// is tested independently of package resolver.
func exchange(t *testing.T, srv *resolvertest.Server, network, name string, qtype uint16, edns uint16) (*dns.Msg, error) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	if edns > 0 {
		q.SetEdns0(edns, false)
	}
	c := &dns.Client{Net: network, Timeout: 300 * time.Millisecond}
	m, _, err := c.Exchange(q, srv.Addr)
	return m, err
}

func TestAuthoritativeAnswers(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: zoneText})
	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		rcode     int
		answers   []string // RR strings, without TTL/class noise checked by prefix
		soa       bool     // SOA in the authority section
		refusedAA bool
	}{
		{name: "positive", qname: "example.com.", qtype: dns.TypeA, rcode: dns.RcodeSuccess, answers: []string{"example.com.\t300\tIN\tA\t192.0.2.1"}},
		{name: "NODATA carries the SOA", qname: "example.com.", qtype: dns.TypeMX, rcode: dns.RcodeSuccess, soa: true},
		{name: "NXDOMAIN carries the SOA", qname: "nope.example.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError, soa: true},
		{name: "empty non-terminal is NODATA, not NXDOMAIN", qname: "ent.example.com.", qtype: dns.TypeTXT, rcode: dns.RcodeSuccess, soa: true},
		{name: "below an existing name is NXDOMAIN", qname: "x.b.ent.example.com.", qtype: dns.TypeTXT, rcode: dns.RcodeNameError, soa: true},
		{name: "in-zone CNAME followed", qname: "www.example.com.", qtype: dns.TypeA, rcode: dns.RcodeSuccess,
			answers: []string{"www.example.com.\t300\tIN\tCNAME\texample.com.", "example.com.\t300\tIN\tA\t192.0.2.1"}},
		{name: "CNAME out of the zone left to the client", qname: "out.example.com.", qtype: dns.TypeA, rcode: dns.RcodeSuccess,
			answers: []string{"out.example.com.\t300\tIN\tCNAME\ttarget.example.org."}},
		{name: "wildcard synthesised with the query name", qname: "any.wild.example.com.", qtype: dns.TypeTXT, rcode: dns.RcodeSuccess,
			answers: []string{"any.wild.example.com.\t300\tIN\tTXT\t\"wildcard\""}},
		{name: "wildcard does not cover an existing name", qname: "x.wild.example.com.", qtype: dns.TypeTXT, rcode: dns.RcodeSuccess, soa: true},
		{name: "case-insensitive", qname: "WWW.Example.COM.", qtype: dns.TypeA, rcode: dns.RcodeSuccess,
			answers: []string{"www.example.com.\t300\tIN\tCNAME\texample.com.", "example.com.\t300\tIN\tA\t192.0.2.1"}},
		{name: "outside every zone is REFUSED", qname: "example.net.", qtype: dns.TypeA, rcode: dns.RcodeRefused, refusedAA: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := exchange(t, srv, "udp", tt.qname, tt.qtype, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[m.Rcode], dns.RcodeToString[tt.rcode])
			}
			if m.Authoritative == tt.refusedAA {
				t.Errorf("AA = %t, want %t", m.Authoritative, !tt.refusedAA)
			}
			var got []string
			for _, rr := range m.Answer {
				got = append(got, rr.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.answers, "\n") {
				t.Errorf("answer = %q, want %q", got, tt.answers)
			}
			hasSOA := len(m.Ns) == 1 && m.Ns[0].Header().Rrtype == dns.TypeSOA
			if hasSOA != tt.soa {
				t.Errorf("authority = %v, want SOA %t", m.Ns, tt.soa)
			}
			if hasSOA && m.Ns[0].(*dns.SOA).Minttl != 120 {
				t.Errorf("SOA = %v, want the zone's SOA (MINIMUM 120)", m.Ns[0])
			}
		})
	}
}

func TestSynthesisedSOA(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: "a.example. 60 IN A 192.0.2.1"})
	m, err := exchange(t, srv, "udp", "b.example.", dns.TypeA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rcode != dns.RcodeNameError || len(m.Ns) != 1 || m.Ns[0].(*dns.SOA).Minttl != 60 {
		t.Errorf("reply = %v, want NXDOMAIN with a synthesised SOA (MINIMUM 60)", m)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: zoneText})
	srv.Fail("example.com", dns.TypeA, resolvertest.ServFail)
	srv.Fail("www.example.com", resolvertest.AnyType, resolvertest.Refused)
	srv.Fail("b.ent.example.com", dns.TypeTXT, resolvertest.Drop)
	srv.Fail("x.wild.example.com", dns.TypeA, resolvertest.Truncate)

	m, err := exchange(t, srv, "udp", "example.com.", dns.TypeA, 0)
	if err != nil || m.Rcode != dns.RcodeServerFailure {
		t.Errorf("ServFail: reply %v, %v, want SERVFAIL", m, err)
	}
	m, err = exchange(t, srv, "udp", "example.com.", dns.TypeMX, 0)
	if err != nil || m.Rcode != dns.RcodeSuccess {
		t.Errorf("ServFail is per type: MX reply %v, %v, want NOERROR", m, err)
	}
	m, err = exchange(t, srv, "tcp", "www.example.com.", dns.TypeTXT, 0)
	if err != nil || m.Rcode != dns.RcodeRefused {
		t.Errorf("Refused for AnyType: reply %v, %v, want REFUSED", m, err)
	}
	_, err = exchange(t, srv, "udp", "b.ent.example.com.", dns.TypeTXT, 0)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Drop: error = %v, want a timeout", err)
	}
	m, err = exchange(t, srv, "udp", "x.wild.example.com.", dns.TypeA, 0)
	if err != nil || !m.Truncated || len(m.Answer) != 0 {
		t.Errorf("Truncate over UDP: reply %v, %v, want TC and no answer", m, err)
	}
	m, err = exchange(t, srv, "tcp", "x.wild.example.com.", dns.TypeA, 0)
	if err != nil || m.Truncated || len(m.Answer) != 1 {
		t.Errorf("Truncate over TCP: reply %v, %v, want the answer", m, err)
	}
	srv.Fail("example.com", dns.TypeA, resolvertest.Healthy)
	m, err = exchange(t, srv, "udp", "example.com.", dns.TypeA, 0)
	if err != nil || m.Rcode != dns.RcodeSuccess {
		t.Errorf("after Healthy: reply %v, %v, want NOERROR", m, err)
	}
}

func TestTruncationBySize(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for range 40 {
		b.WriteString("big 300 IN TXT \"" + strings.Repeat("x", 60) + "\"\n")
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: b.String()})
	for _, tt := range []struct {
		network   string
		edns      uint16
		truncated bool
	}{
		{"udp", 0, true},     // 512 octets
		{"udp", 1232, true},  // ~2.6 KB answer
		{"udp", 4096, false}, // fits
		{"tcp", 0, false},
	} {
		m, err := exchange(t, srv, tt.network, "big.example.com.", dns.TypeTXT, tt.edns)
		if err != nil {
			t.Fatal(err)
		}
		if m.Truncated != tt.truncated {
			t.Errorf("%s EDNS %d: TC = %t, want %t", tt.network, tt.edns, m.Truncated, tt.truncated)
		}
		if !tt.truncated && len(m.Answer) != 40 {
			t.Errorf("%s EDNS %d: %d answers, want 40", tt.network, tt.edns, len(m.Answer))
		}
	}
}

func TestQueryLogAndDelay(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: zoneText})
	srv.Delay("example.com", dns.TypeA, 50*time.Millisecond)
	exchange(t, srv, "udp", "example.com.", dns.TypeA, 0)
	exchange(t, srv, "tcp", "Example.com.", dns.TypeA, 0)
	exchange(t, srv, "udp", "example.com.", dns.TypeMX, 0)
	if got := srv.Count("example.com.", dns.TypeA); got != 2 {
		t.Errorf("Count(example.com, A) = %d, want 2", got)
	}
	if got := srv.Count("example.com", resolvertest.AnyType); got != 3 {
		t.Errorf("Count(example.com, any) = %d, want 3", got)
	}
	qs := srv.Queries()
	if len(qs) != 3 || qs[1].Net != "tcp" || qs[1].Name != "example.com." || qs[0].String() != "udp example.com. A" {
		t.Errorf("Queries() = %v", qs)
	}
	srv.ResetQueries()
	if got := srv.Count("", resolvertest.AnyType); got != 0 {
		t.Errorf("Count after ResetQueries = %d, want 0", got)
	}

	// A client with a deadline shorter than the delay gives up.
	srv.SetLatency(400 * time.Millisecond)
	if _, err := exchange(t, srv, "udp", "example.com.", dns.TypeMX, 0); err == nil {
		t.Errorf("with 400 ms latency and a 300 ms client timeout: error = nil, want timeout")
	}
}

func TestAddAndAuthenticate(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: zoneText})
	if err := srv.Add("new.example.com. 60 IN TXT \"added\""); err != nil {
		t.Fatal(err)
	}
	if err := srv.Add("elsewhere.example.net. 60 IN TXT \"x\""); err == nil {
		t.Errorf("Add outside every zone: error = nil, want error")
	}
	if err := srv.Add("bad record"); err == nil {
		t.Errorf("Add of a bad record: error = nil, want error")
	}
	srv.Authenticate("new.example.com")
	m, err := exchange(t, srv, "udp", "new.example.com.", dns.TypeTXT, 0)
	if err != nil || len(m.Answer) != 1 || !m.AuthenticatedData {
		t.Errorf("added record: reply %v, %v, want one answer with AD", m, err)
	}
	m, _ = exchange(t, srv, "udp", "example.com.", dns.TypeA, 0)
	if m.AuthenticatedData {
		t.Errorf("AD set on a name not authenticated")
	}
}

func TestZoneErrors(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t)
	for _, z := range []resolvertest.Zone{
		{Origin: "example.com.", Text: "@ IN A not-an-address"},
		{Origin: "example.com.", Text: "www.example.org. IN A 192.0.2.1"},
	} {
		if err := srv.AddZone(z); err == nil {
			t.Errorf("AddZone(%q) error = nil, want error", z.Text)
		}
	}
	if _, err := resolvertest.Start(resolvertest.Zone{Origin: "x.", Text: "@ IN BOGUS 1"}); err == nil {
		t.Errorf("Start with a bad zone: error = nil, want error")
	}
}

func TestResolverPointsAtServer(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: zoneText})
	ips, err := srv.Resolver().LookupNetIP(context.Background(), "ip4", "www.example.com")
	if err != nil || len(ips) != 1 || ips[0].String() != "192.0.2.1" {
		t.Errorf("Resolver().LookupNetIP = %v, %v, want [192.0.2.1]", ips, err)
	}
	if srv.AddrPort().Addr().String() != "127.0.0.1" {
		t.Errorf("AddrPort = %v, want 127.0.0.1:port", srv.AddrPort())
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	srv, err := resolvertest.Start()
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close()
}

// TestLargeTCPAnswer checks that an answer too large for UDP but within
// a TCP message's 65,535 octets (RFC 1035 §4.2.2) is served whole over
// TCP, compressed as real servers do (RFC 1035 §4.1.4), and that one too
// large even for TCP comes cut to fit with TC set instead of not at all.
func TestLargeTCPAnswer(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	addrs := make([]netip.Addr, 4000)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	}
	if err := srv.AddA("many.example.com", time.Hour, addrs...); err != nil {
		t.Fatal(err)
	}
	// 300 TXT records of 250 octets: about 78 KB, more than TCP carries.
	for i := range 300 {
		if err := srv.AddTXT("huge.example.com", time.Hour, fmt.Sprintf("%03d", i)+strings.Repeat("x", 247)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := exchange(t, srv, "tcp", "many.example.com.", dns.TypeA, 0)
	if err != nil || m.Truncated || len(m.Answer) != len(addrs) {
		t.Fatalf("TCP A many.example.com: %d answers, TC %t, %v, want %d, no TC", answers(m), m != nil && m.Truncated, err, len(addrs))
	}
	m, err = exchange(t, srv, "udp", "many.example.com.", dns.TypeA, 1232)
	if err != nil || !m.Truncated {
		t.Errorf("UDP A many.example.com: TC %t, %v, want TC", m != nil && m.Truncated, err)
	}
	m, err = exchange(t, srv, "tcp", "huge.example.com.", dns.TypeTXT, 0)
	if err != nil || !m.Truncated || answers(m) == 0 || answers(m) >= 300 {
		t.Errorf("TCP TXT huge.example.com: %d answers, TC %t, %v, want some of 300, TC", answers(m), m != nil && m.Truncated, err)
	}
}

func answers(m *dns.Msg) int {
	if m == nil {
		return 0
	}
	return len(m.Answer)
}
