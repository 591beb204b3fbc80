package resolvertest

import (
	"bytes"
	"strings"
	"testing"
	"time"

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
				if len(resp.Answer) == 0 || resp.Answer[0].Header().Rrtype != qtype || !dns.IsSubDomain(z.origin, presentationKey(resp.Answer[0].Header().Name)) {
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

// served returns the records the server answers for key and qtype,
// after a trip through the wire (packed, unpacked), in uncompressed wire
// form without their header.
func served(t *testing.T, s *Server, key string, qtype uint16) [][]byte {
	t.Helper()
	req := new(dns.Msg)
	req.SetQuestion(key, qtype)
	resp := s.answer(req)
	resp.Compress = true
	pkt, err := resp.Pack()
	if err != nil {
		t.Fatalf("%s %s: pack: %v", key, typeString(qtype), err)
	}
	m := new(dns.Msg)
	if err := m.Unpack(pkt); err != nil {
		t.Fatalf("%s %s: unpack: %v", key, typeString(qtype), err)
	}
	var out [][]byte
	for _, rr := range m.Answer {
		if rr.Header().Rrtype != qtype {
			continue
		}
		buf := make([]byte, 70000)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%s %s: pack %v: %v", key, typeString(qtype), rr, err)
		}
		out = append(out, buf[n-int(rr.Header().Rdlength):n])
	}
	return out
}

// FuzzAddRecord adds a record of any type from arbitrary RDATA: it is
// refused with an error or served with exactly that RDATA at exactly
// that name.
func FuzzAddRecord(f *testing.F) {
	f.Add("a.fuzz", uint16(1), []byte{192, 0, 2, 1})
	f.Add("mx.fuzz", uint16(15), []byte("\x00\x0a\x04mail\x04fuzz\x00"))
	f.Add("q\"();'@\\ x.fuzz", uint16(16), []byte("\x05a\"b\\c\x00"))
	f.Add("*.fuzz", uint16(33), []byte("\x00\x01\x00\x02\x00\x19\x00"))
	f.Add("ptr.fuzz", uint16(12), []byte{0xc0, 0x0c})
	f.Add("x.fuzz", uint16(52), []byte{3, 1, 1, 0xde, 0xad})
	f.Add("x.fuzz", uint16(65280), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, name string, rtype uint16, rdata []byte) {
		if len(rdata) > 4<<10 {
			return
		}
		z, err := parseZone(Zone{Origin: "."})
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{zones: map[string]*zone{z.origin: z}, authentic: map[string]bool{}}
		if err := s.AddRecord(name, rtype, time.Minute, rdata); err != nil {
			return
		}
		key, err := rawKey(name)
		if err != nil {
			t.Fatalf("AddRecord(%q) accepted a name rawKey refuses: %v", name, err)
		}
		want := asciiLower(strings.TrimSuffix(name, ".")) + "."
		if want == ".." {
			want = "."
		}
		if raw := rawName(key); raw != want {
			t.Fatalf("name %q filed as %q, raw %q", name, key, raw)
		}
		got := served(t, s, key, rtype)
		if len(got) != 1 || !bytes.Equal(got[0], rdata) {
			t.Fatalf("AddRecord(%q, %s, %x): served %x", name, typeString(rtype), rdata, got)
		}
	})
}

// FuzzAddTXT adds a TXT record from arbitrary strings: on the wire its
// character-strings are at most 255 octets, concatenated they are the
// strings given, octet for octet.
func FuzzAddTXT(f *testing.F) {
	f.Add("v=spf1 -all", "")
	f.Add(`"quoted" \back\slash; semi`, "caf\xc3\xa9\xff\x00")
	f.Add(strings.Repeat("k", 300), strings.Repeat("\\", 255))
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a)+len(b) > 8<<10 {
			return
		}
		z, err := parseZone(Zone{Origin: "fuzz."})
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{zones: map[string]*zone{z.origin: z}, authentic: map[string]bool{}}
		if err := s.AddTXT("txt.fuzz", time.Minute, a, b); err != nil {
			t.Fatalf("AddTXT(%q, %q) = %v", a, b, err)
		}
		got := served(t, s, "txt.fuzz.", TypeTXT)
		if len(got) != 1 {
			t.Fatalf("served %d records, want 1", len(got))
		}
		var joined []byte
		n := 0
		for rd := got[0]; len(rd) > 0; n++ {
			l := int(rd[0])
			if 1+l > len(rd) {
				t.Fatalf("character-string of %d octets overruns the RDATA %x", l, got[0])
			}
			joined = append(joined, rd[1:1+l]...)
			rd = rd[1+l:]
		}
		if string(joined) != a+b {
			t.Fatalf("AddTXT(%q, %q) served %q", a, b, joined)
		}
		if want := pieces(a) + pieces(b); n != want {
			t.Fatalf("AddTXT(%q, %q): %d character-strings, want %d", a, b, n, want)
		}
	})
}

// pieces returns the number of character-strings s takes.
func pieces(s string) int { return max(1, (len(s)+maxCharString-1)/maxCharString) }

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
