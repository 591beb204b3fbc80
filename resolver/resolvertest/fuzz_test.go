package resolvertest

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzZone serves arbitrary master-file text: a zone that does not parse
// is an error, never a panic; one that parses answers every record it
// holds at its owner with its type, authoritatively, and answers a name
// it does not hold with NXDOMAIN, NODATA or a wildcard's records.
func FuzzZone(f *testing.F) {
	for _, s := range []string{
		"@ SOA ns host 1 2 3 4 5\n@ TXT \"v=spf1 -all\"\nwww CNAME @\n",
		"*.w A 192.0.2.1\nx.w TXT \"a\" \"b\"\n",
		"a CNAME b\nb CNAME a\n",
		"$TTL 60\nmx MX 10 mail\nmail AAAA 2001:db8::1\n",
		"q\\ s TXT \"caf\\195\\169\"\n",
		"out.of.zone. A 192.0.2.1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 8<<10 {
			return
		}
		z, err := parseZone(Zone{Origin: "fuzz.", Text: text})
		if err != nil {
			return
		}
		s := &Server{zones: map[string]*zone{z.origin: z}, authentic: map[string]bool{}}
		for owner, rrs := range z.rrs {
			for _, rr := range rrs {
				qtype := rr.Header().Rrtype
				req := new(dns.Msg)
				req.SetQuestion(owner, qtype)
				resp := s.answer(req)
				if resp.Rcode != dns.RcodeSuccess || !resp.Authoritative {
					t.Fatalf("%s %s: rcode %s, authoritative %v; want an authoritative answer", owner, dns.TypeToString[qtype], dns.RcodeToString[resp.Rcode], resp.Authoritative)
				}
				if len(resp.Answer) == 0 || resp.Answer[0].Header().Rrtype != qtype || !dns.IsSubDomain(z.origin, canonical(resp.Answer[0].Header().Name)) {
					t.Fatalf("%s %s: answer %v, want the zone's record first", owner, dns.TypeToString[qtype], resp.Answer)
				}
			}
		}
		req := new(dns.Msg)
		req.SetQuestion("absent-name-0123.fuzz.", dns.TypeTXT)
		resp := s.answer(req)
		switch {
		case resp.Rcode == dns.RcodeNameError, resp.Rcode == dns.RcodeSuccess && len(resp.Answer) == 0:
			if len(resp.Ns) != 1 || resp.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Fatalf("negative answer without the SOA (RFC 2308 §3): %v", resp.Ns)
			}
		case resp.Rcode == dns.RcodeSuccess:
			// a wildcard's records or CNAME
		default:
			t.Fatalf("absent name: rcode %s", dns.RcodeToString[resp.Rcode])
		}
	})
}
