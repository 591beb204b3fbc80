package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// FuzzParseRecord: a record that parses formats to a canonical form that
// parses to an equal Record and formats the same; one that does not
// parse gives ErrSyntax.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=spf1 -all",
		"v=spf1 a mx/24//64 ptr:%{d} ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.com ~all",
		"v=spf1 exists:%{ir}.%{l1r-}.lp.%{d2} redirect=%{d}.example exp=exp.%{o} x-foo=%{h}",
		"V=SPF1 +A:EXAMPLE.COM/32 ?Ptr",
		"v=spf1 a:museum",
		"v=spf1 ip4:192.0.2.0/-0 -all",
		"v=spf1 ip6:2001:db8::/+64 a/+24 mx//-64",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		r, err := ParseRecord(txt)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseRecord(%q) error %v, want ErrSyntax", txt, err)
			}
			return
		}
		for _, term := range strings.Fields(txt[6:]) {
			// §5.6: the prefix length of ip4 and ip6 is digits only.
			name, arg, _ := strings.Cut(strings.TrimLeft(term, "+-~?"), ":")
			if name = strings.ToLower(name); name != "ip4" && name != "ip6" {
				continue
			}
			if _, length, ok := strings.Cut(arg, "/"); ok && !allDigits(length) {
				t.Fatalf("ParseRecord(%q) accepted prefix length %q of %q, want a syntax error", txt, length, term)
			}
		}
		for _, d := range r.Directives {
			switch d.Mechanism {
			case MechanismIP4, MechanismIP6:
				if !d.Prefix.IsValid() || d.Prefix.Addr().Is4() != (d.Mechanism == MechanismIP4) {
					t.Fatalf("ParseRecord(%q): %s has prefix %v", txt, d.Mechanism, d.Prefix)
				}
			}
			if d.CIDR4 < 0 || d.CIDR4 > 32 || d.CIDR6 < 0 || d.CIDR6 > 128 {
				t.Fatalf("ParseRecord(%q): %s has prefix lengths %d and %d", txt, d.Mechanism, d.CIDR4, d.CIDR6)
			}
		}
		s := r.String()
		r2, err := ParseRecord(s)
		if err != nil {
			t.Fatalf("ParseRecord(%q) = %q, which does not parse: %v", txt, s, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("ParseRecord(%q) = %#v, reparsed from %q = %#v", txt, r, s, r2)
		}
		if s2 := r2.String(); s2 != s {
			t.Fatalf("String of reparsed %q = %q, want the same", s, s2)
		}
	})
}

// FuzzMacroExpand: expansion never panics, never exceeds
// MaxMacroExpansion, and a domain-spec's target is cut to 253 octets
// (§7.3) unless it is one label.
func FuzzMacroExpand(f *testing.F) {
	for _, s := range []string{
		"%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "%{S}%{L}%{O}%{D}%{I}%{P}%{V}%{H}%{C}%{R}%{T}",
		"%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}.example.com", "%%%_%-%{d128r+-.,/_=}",
	} {
		f.Add(s, "strong-bad@email.example.com", "2001:db8::cb01")
	}
	f.Fuzz(func(t *testing.T, spec, sender, ip string) {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			addr = netip.MustParseAddr("192.0.2.3")
		}
		const max = 1024
		c := &Checker{Resolver: nilResolver{}, MaxMacroExpansion: max}
		local, domain, _ := strings.Cut(sender, "@")
		s := &state{c: c, ip: addr.Unmap(), sender: sender, local: local, senderDomain: domain, helo: "helo.example"}
		if ms, err := parseMacroString(spec, true); err == nil {
			out, err := s.expand(context.Background(), &ms, domain)
			if err != nil && !errors.Is(err, ErrMacroTooLong) {
				t.Fatalf("expand(%q) error %v", spec, err)
			}
			if len(out) > max {
				t.Fatalf("expand(%q) = %d octets, over the limit of %d", spec, len(out), max)
			}
		}
		if ms, err := parseDomainSpec(spec); err == nil {
			out, err := s.target(context.Background(), &ms, domain)
			if err != nil {
				return
			}
			name := strings.TrimSuffix(out, ".")
			if len(name) > 253 && strings.Contains(name, ".") {
				t.Fatalf("target(%q) = %d octets, want at most 253", spec, len(name))
			}
		}
	})
}

const fuzzZone = `
a.fuzz.test.    A    192.0.2.1
a.fuzz.test.    AAAA 2001:db8::1
fuzz.test.      MX   10 a.fuzz.test.
fuzz.test.      A    192.0.2.2
inc.fuzz.test.  TXT  "v=spf1 ip4:192.0.2.0/28 mx -all"
red.fuzz.test.  TXT  "v=spf1 a:a.fuzz.test ?all"
bad.fuzz.test.  TXT  "v=spf1 frob"
1.2.0.192.in-addr.fuzz.test. A 127.0.0.2
`

// FuzzCheckHost evaluates fuzzed records served by resolvertest (with
// the records of fuzzZone to refer to), sequentially and with prefetch:
// the outcomes must agree, counts included, and stay within the limits.
func FuzzCheckHost(f *testing.F) {
	for _, s := range []string{
		"v=spf1 include:inc.fuzz.test redirect=red.fuzz.test",
		"v=spf1 a:a.fuzz.test/24 mx ptr exists:%{ir}.%{v}.fuzz.test -all",
		"v=spf1 include:bad.fuzz.test ~all",
		"v=spf1 a:n1.fuzz.test a:n2.fuzz.test a:n3.fuzz.test +all",
		"v=spf1 -ip4:192.0.2.1 include:%{d} ?all exp=inc.fuzz.test",
	} {
		f.Add(s, "192.0.2.1")
	}
	srv := resolvertest.NewServer(f, resolvertest.Zone{Origin: "fuzz.test.", Text: fuzzZone},
		resolvertest.Zone{Origin: "in-addr.arpa.", Text: "1.2.0.192.in-addr.arpa. PTR a.fuzz.test."})
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, record, ip string) {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return
		}
		name := fmt.Sprintf("r%d.fuzz.test.", n.Add(1))
		var chunks []string
		for r := record; len(r) > 0; {
			k := min(len(r), 255)
			chunks = append(chunks, r[:k])
			r = r[k:]
		}
		if len(chunks) == 0 || len(record) > 4000 {
			return
		}
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}, Txt: chunks}
		if err := srv.Add(rr.String()); err != nil {
			return
		}
		seq := &Checker{Resolver: srv.Resolver(), NoPrefetch: true, RecordQueries: true}
		par := &Checker{Resolver: srv.Resolver(), PrefetchAfter: -1, RecordQueries: true}
		a, err := seq.CheckHost(context.Background(), addr, "helo.fuzz.test", name, "x@"+name)
		if err != nil {
			t.Fatalf("CheckHost(%s, %s) error %v", addr, name, err)
		}
		b, err := par.CheckHost(context.Background(), addr, "helo.fuzz.test", name, "x@"+name)
		if err != nil {
			t.Fatalf("CheckHost(%s, %s) error %v", addr, name, err)
		}
		if d := sameOutcome(a, b); d != "" {
			t.Fatalf("record %q: sequential vs prefetch: %s", record, d)
		}
		switch a.Result {
		case None, Neutral, Pass, Fail, SoftFail, TempError, PermError:
		default:
			t.Fatalf("record %q: result %q", record, a.Result)
		}
		if a.Lookups > DefaultMaxDNSLookups+1 || a.VoidLookups > DefaultMaxVoidLookups+1 {
			t.Fatalf("record %q: %s went past the limits", record, a)
		}
		if (a.Result == TempError || a.Result == PermError) != (a.Err != nil) && a.Result != None {
			t.Fatalf("record %q: %s: Err must be set exactly for errors", record, a)
		}
		if r := a.Reason(); (r == "") != (a.Err == nil) || r == "internal error" || strings.ContainsAny(r, ":@\"\\") {
			t.Fatalf("record %q: %s: Reason %q, want a phrase exactly for an Err", record, a, r)
		}
	})
}

// FuzzParseReversePath: a MAIL FROM either parses to a mailbox that,
// rendered back as a path (the local-part quoted where it must be),
// parses to the same mailbox, or is refused with ErrInvalidIdentity and
// an error whose length does not grow with the input (it describes the
// fault, it does not repeat the input).
func FuzzParseReversePath(f *testing.F) {
	for _, s := range []string{
		"", "<>", "jo@example.com", "<jo@example.com>", `"jo smith"@example.com`, `<"a\"b\\c"@example.com>`,
		"<@relay.example,@r2.example:jo@example.com>", "@example.com", "jo@[192.0.2.1]", "jo@[IPv6:2001:db8::1]",
		"jörg@bücher.example", "jo..x.@example.com.", "Return-Path: tim.one@comcast.net", "tim one@comcast.net",
		"jo@example.com\r\n", "<jo@example.com", "a@b@example.com", "jo@A...example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseReversePath(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidIdentity) {
				t.Fatalf("parseReversePath(%q) error %v, want ErrInvalidIdentity", s, err)
			}
			if len(err.Error()) > 120 {
				t.Fatalf("parseReversePath(%q) error of %d octets: %v", s, len(err.Error()), err)
			}
			return
		}
		if m.domain == "" {
			if m.local != "" || (s != "" && s != "<>") {
				t.Fatalf("parseReversePath(%q) = %+v, a null path from a non-null one", s, m)
			}
			return
		}
		if err := validSender(m.local + "@" + m.domain); err != nil {
			t.Fatalf("parseReversePath(%q) = %+v, not a usable sender: %v", s, m, err)
		}
		local := m.local
		for i := 0; i < len(local); i++ {
			if !isAtext(local[i]) && local[i] != '.' && local[i] < utf8.RuneSelf {
				local = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(m.local) + `"`
				break
			}
		}
		path := "<" + local + "@" + m.domain + ">"
		m2, err := parseReversePath(path)
		if err != nil || m2 != m {
			t.Fatalf("parseReversePath(%q) = %+v, rendered %q parses to %+v, %v", s, m, path, m2, err)
		}
	})
}
