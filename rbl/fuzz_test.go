package rbl

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/internal/rbltest"
)

// FuzzParseList checks that every list ParseList accepts renders to a
// string that parses back to the same list, and that rendering is
// stable.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"zen.spamhaus.org=127.0.0.[2..11]*3", "list.dnswl.org=127.0.[0..255].0*-2",
		"multi.surbl.org=&8*2", "a.example=127.0.0.[1;3;5..7]", "b.example*-1", "c.example=&0.0.1.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseList(s)
		if err != nil {
			return
		}
		text := l.String()
		again, err := ParseList(text)
		if err != nil {
			t.Fatalf("ParseList(%q) = %q, which does not parse: %v", s, text, err)
		}
		if again.Zone != l.Zone || again.Filter != l.Filter || again.weight() != l.weight() {
			t.Fatalf("ParseList(%q) = %q, reparsed as %q", s, text, again.String())
		}
		if again.String() != text {
			t.Fatalf("String not stable: %q then %q", text, again.String())
		}
	})
}

// FuzzURLs checks that extraction is bounded, that every URL has a
// lower-case host and a known scheme, that extracting from a URL's own
// text finds its host again, and that the limits lose no host but those
// past MaxHosts: the hosts found are those of an extraction without
// limits (the first MaxHosts of them when ErrTooManyHosts is reported)
// and the URLs a subsequence of its URLs.
func FuzzURLs(f *testing.F) {
	for _, s := range []string{"Claim at http://claim-prize.example.net/win?id=4455",
		`<a href="hxxps://bad[.]example[.]net/x">`, "www.example.com", "http://[2001:db8::1]:80/",
		"http://u:p@h.example.com:8/p", "hxxp[:]//a(dot)example(.)org", `<img src="//cdn.example.net/a.png">`,
		"http://a&#46;example&period;com/", `<a href="http://evil.example\@paypal.example/">`,
		"http://evil\u3002example\uff0ecom/x",
		strings.Repeat("http://ok.example/?1 http://ok.example/?2 ", 12) + "http://spam.example/",
		"http://h1.example http://h2.example http://h3.example http://h4.example http://h5.example http://h6.example " +
			"http://h7.example http://h8.example http://h9.example http://h10.example http://h11.example"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		x := Extractor{MaxURLs: 20, MaxHosts: 10, MaxURLLen: 100}
		links := x.Links(body)
		urls := links.URLs
		hosts := links.Hosts()
		if len(urls) > x.MaxURLs+x.MaxHosts || len(hosts) > x.MaxHosts ||
			errors.Is(links.Err, ErrTooManyHosts) && len(hosts) != x.MaxHosts {
			t.Fatalf("%d URLs of %d hosts, limits %d URLs beyond the first of %d hosts, Err %v",
				len(urls), len(hosts), x.MaxURLs, x.MaxHosts, links.Err)
		}
		all := (&Extractor{MaxURLs: 1 << 30, MaxHosts: 1 << 30, MaxURLLen: x.MaxURLLen}).Links(body)
		want := all.Hosts()
		if errors.Is(links.Err, ErrTooManyHosts) {
			want = want[:x.MaxHosts]
		}
		if !slices.Equal(hosts, want) {
			t.Fatalf("Hosts() = %q, Err %v; without limits %q", hosts, links.Err, all.Hosts())
		}
		j := 0
		for _, u := range urls {
			for j < len(all.URLs) && all.URLs[j] != u {
				j++
			}
			if j == len(all.URLs) {
				t.Fatalf("URL %+v is not among those found without limits, in order: %v", u, all.URLs)
			}
		}
		cut := false
		for _, u := range urls {
			cut = cut || u.Cut
			if u.Host == "" || u.Host != strings.ToLower(u.Host) {
				t.Fatalf("URL %q: bad host %q", u.Text, u.Host)
			}
			if !strings.HasPrefix(u.Text, "http://") && !strings.HasPrefix(u.Text, "https://") && !strings.HasPrefix(u.Text, "ftp://") {
				t.Fatalf("URL %q: unknown scheme", u.Text)
			}
			// scheme, "://", a host of at most 253 octets (or an IPv6
			// literal) and at most MaxURLLen more.
			if len(u.Text) > len("https://[]")+253+x.MaxURLLen {
				t.Fatalf("URL of %d bytes, limit %d after the host", len(u.Text), x.MaxURLLen)
			}
			again := x.Links([]byte(u.Text)).URLs
			if len(again) == 0 || again[0].Host != u.Host {
				t.Fatalf("URL %q (host %q) extracted again as %v", u.Text, u.Host, again)
			}
		}
		if errors.Is(links.Err, ErrURLTooLong) != cut {
			t.Fatalf("Links: a URL cut %v, Err %v", cut, links.Err)
		}
	})
}

// FuzzReceived checks that the addresses found are valid, public,
// distinct and no more than the Received fields; that only the header
// counts, by the module's rule (internal/header.Split); and that
// MaxFields keeps the addresses of the first fields: a prefix of those
// found without the limit.
func FuzzReceived(f *testing.F) {
	for _, s := range []string{
		"Received: from a.example (a.example [192.0.2.1]) by b.example; date\r\n\r\n",
		"Received: from [198.51.100.9] (x [198.51.113.45])\n\tby mx\nReceived: from r ([192.0.2.33] helo=r) by s\n\n",
		"Received: from v6 (v6 [IPv6:2001:db8::25]) by r\n",
		"Received: from [198.51.100.9]:25 (helo=[192.0.2.77]) by r\n",
		"Received: from unknown (HELO [192.0.2.77]) (198.51.100.9) by r\n",
		"Received: from [IPV6:2001:db8::77] (unknown [ipv6:2001:db8::9]) by r\n",
		"From a@b Sun\nReceived: from a (a [192.0.2.1]) by b\nbody line\nReceived: from c (c [192.0.2.2]) by d\n",
		" Received: from c (c [192.0.2.2]) by d\r\nReceived : from a\r\n\t(a [192.0.2.1])\r\n\tby b\r\n",
		string(rbltest.FoldedReceived(20)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		p := ReceivedParser{MaxFields: 20}
		r := p.Relays(msg)
		ips := r.IPs
		if len(ips) > 20 {
			t.Fatalf("%d addresses, limit 20 fields", len(ips))
		}
		seen := map[netip.Addr]bool{}
		for _, ip := range ips {
			if !ip.IsValid() || skipIP(ip) || ip.Is4In6() || seen[ip] {
				t.Fatalf("bad or repeated address %v in %v", ip, ips)
			}
			seen[ip] = true
		}
		_, end, _ := header.Split(msg)
		if h := p.Relays(msg[:end]); !slices.Equal(h.IPs, ips) || (h.Err == nil) != (r.Err == nil) {
			t.Fatalf("Relays(message) = %s, Relays(its header, %d bytes) = %s", r, end, h)
		}
		all := (&ReceivedParser{MaxFields: 1 << 30}).Relays(msg)
		if all.Err != nil || len(all.IPs) < len(ips) || !slices.Equal(all.IPs[:len(ips)], ips) ||
			r.Err == nil && len(all.IPs) != len(ips) {
			t.Fatalf("Relays with MaxFields 20 = %s, without limit %s", r, all)
		}
	})
}
