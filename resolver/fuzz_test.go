package resolver

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// fuzzQuery is the query the fuzzed bytes are offered to as a reply.
func fuzzQuery() *dns.Msg {
	r := &Resolver{}
	q := r.newQuery("example.com.", dns.TypeTXT, DefaultUDPSize)
	q.Id = 0x1234
	return q
}

func fuzzSeeds(f *testing.F) {
	q := fuzzQuery()
	good := new(dns.Msg)
	good.SetReply(q)
	good.Answer = []dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}, Txt: []string{"v=spf1 -all"}}}
	add := func(m *dns.Msg) {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	add(good)
	wrongID := good.Copy()
	wrongID.Id++
	add(wrongID)
	wrongName := good.Copy()
	wrongName.Question[0].Name = "example.org."
	add(wrongName)
	notResponse := good.Copy()
	notResponse.Response = false
	add(notResponse)
	nx := new(dns.Msg)
	nx.SetRcode(q, dns.RcodeNameError)
	add(nx)
	upper := good.Copy()
	upper.Question[0].Name = "EXAMPLE.com."
	add(upper)
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x34, 0x81, 0x80})
}

// FuzzCheckReply feeds arbitrary bytes to the reply check as the answer
// to a TXT query for example.com. Properties: it never panics; anything
// accepted answers exactly our question with our ID; and a reply that is
// accepted is accepted again after a pack/unpack round trip.
func FuzzCheckReply(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		q := fuzzQuery()
		m, err := checkReply(q, pkt)
		if err != nil {
			if m != nil {
				t.Fatalf("checkReply returned a message with error %v", err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrMismatch) {
				t.Fatalf("checkReply error %v is neither ErrMalformed nor ErrMismatch", err)
			}
			return
		}
		if !m.Response || m.Id != q.Id || len(m.Question) != 1 ||
			!equalFoldASCII(m.Question[0].Name, "example.com.") || m.Question[0].Qtype != dns.TypeTXT || m.Question[0].Qclass != dns.ClassINET {
			t.Fatalf("checkReply accepted a reply to another query: %v", m)
		}
		again, err := m.Pack()
		if err != nil {
			return // some unpackable-but-unrepackable edge cases in miekg/dns
		}
		if _, err := checkReply(q, again); err != nil {
			t.Fatalf("accepted reply rejected after a round trip: %v", err)
		}
		// What a lookup makes of it must not panic either.
		collect(m.Answer, "example.com.", dns.TypeTXT)
		findCNAME(m.Answer, "example.com.")
		findSOA(m.Ns)
	})
}

// FuzzEscapeName checks the raw/presentation translation on arbitrary
// names: unescape undoes escapeName, and miekg/dns packs the escaped
// name into the raw labels and unpacks it into the very same string, so
// that a reply's question matches the query. It also checks that the
// cache key of a name is the name with its ASCII letters folded and
// nothing else changed (RFC 4343 §3, RFC 2181 §11).
func FuzzEscapeName(f *testing.F) {
	for _, s := range []string{"example.com", "a b.example", `q"();'@\.x`, "café.example", "\x00\xff.x", `\065.example`,
		"A\xff.x", "\xc4\xb0X.x", "B\xfe.Example.", "\xe2\x84\xaa.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		esc := escapeName(name)
		if got := unescape(esc); got != name {
			t.Fatalf("unescape(escapeName(%q)) = %q", name, got)
		}
		key := canonicalKey(name)
		raw := strings.TrimSuffix(name, ".")
		if len(key) != len(raw) {
			t.Fatalf("canonicalKey(%q) = %q: %d octets, want %d", name, key, len(key), len(raw))
		}
		for i := range len(raw) {
			if c, k := raw[i], key[i]; k != c && !('A' <= c && c <= 'Z' && k == c+'a'-'A') {
				t.Fatalf("canonicalKey(%q) = %q: octet %d is %#x, want %#x or its ASCII lower case", name, key, i, k, c)
			}
			if 'A' <= key[i] && key[i] <= 'Z' {
				t.Fatalf("canonicalKey(%q) = %q keeps an upper-case letter", name, key)
			}
		}
		if !equalFoldASCII(raw, key) {
			t.Fatalf("equalFoldASCII(%q, %q) = false", raw, key)
		}
		// Unicode case mapping is no equality: equalFoldASCII agrees
		// with comparing the ASCII-folded octets.
		for _, other := range []string{strings.ToLower(raw), strings.ToUpper(raw), strings.ToValidUTF8(raw, "?")} {
			if got, want := equalFoldASCII(raw, other), lowerASCII(other) == key; got != want {
				t.Fatalf("equalFoldASCII(%q, %q) = %v, want %v", raw, other, got, want)
			}
		}
		if key == "" || !validName(key) || strings.HasSuffix(name, "..") {
			return
		}
		q := new(dns.Msg)
		q.SetQuestion(escapeName(key)+".", dns.TypeTXT)
		wire, err := q.Pack()
		if err != nil {
			t.Fatalf("Pack(%q) error = %v", escapeName(key), err)
		}
		var back dns.Msg
		if err := back.Unpack(wire); err != nil {
			t.Fatalf("Unpack error = %v", err)
		}
		if got, want := back.Question[0].Name, escapeName(key)+"."; !equalFoldASCII(got, want) {
			t.Fatalf("question %q came back as %q", want, got)
		}
	})
}
