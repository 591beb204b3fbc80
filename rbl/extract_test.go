package rbl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func TestExtractURLs(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string // Text
	}{
		{"Bare", "Claim now at http://claim-prize.example.net/win?id=4455 today", []string{"http://claim-prize.example.net/win?id=4455"}},
		{"HTMLHrefAndSrc", `<a href="https://Shop.Example.COM/a">x</a><img src='http://img.example.org/p.png'>`,
			[]string{"https://shop.example.com/a", "http://img.example.org/p.png"}},
		{"Hxxp", "visit hxxp://bad.example.net/x and hxxps://worse.example.net", []string{"http://bad.example.net/x", "https://worse.example.net"}},
		{"BracketDot", "go to http://bad[.]example[.]net/p", []string{"http://bad.example.net/p"}},
		{"BracketColon", "go to hxxp[:]//bad(.)example(dot)net", []string{"http://bad.example.net"}},
		{"WWWWithoutScheme", "see www.example.com/page.", []string{"http://www.example.com/page."}},
		{"UserInfoAndPort", "http://user:pw@host.example.com:8080/x", []string{"http://host.example.com:8080/x"}},
		{"IPLiteral", "http://192.0.2.7/x and http://[2001:db8::7]/y", []string{"http://192.0.2.7/x", "http://[2001:db8::7]/y"}},
		{"Duplicate", "http://a.example.com http://a.example.com", []string{"http://a.example.com"}},
		{"InParentheses", "(see http://a.example.com/x)", []string{"http://a.example.com/x"}},
		{"ProtocolRelative", `<img src="//cdn.example.net/a.png"><div style="background:url(//img.example.org/b.jpg)">`,
			[]string{"http://cdn.example.net/a.png", "http://img.example.org/b.jpg"}},
		{"EntityDots", `<a href="http://bad&#46;example&#x2E;net/x">`, []string{"http://bad.example.net/x"}},
		{"CommentSlashesAreNotURLs", "a // b and x = 1 // see docs.example", nil},
		{"NotURLs", "mailto:a@example.com file:///etc/passwd javascript://x http://localhost/ http://a..b/", nil},
		// Hosts ending in a number that is no IPv4 address: browsers
		// refuse them (WHATWG URL Standard, host parsing).
		{"NumericNotIPv4", "http://256.1.1.1/ http://1.2.3.4.5/ http://09.1.1.1/ http://example.123/ http://4294967296/", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var x Extractor
			links := x.Links([]byte(tc.body))
			if links.Err != nil {
				t.Fatal(links.Err)
			}
			var got []string
			for _, u := range links.URLs {
				got = append(got, u.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("URLs(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

// TestExtractMaxURLLen trips Extractor.MaxURLLen: a URL is cut
// MaxURLLen octets after its host, however long the host, its host is
// still found, and the cut is reported (URL.Cut, ErrURLTooLong); a URL
// exactly MaxURLLen long after its host is not cut.
func TestExtractMaxURLLen(t *testing.T) {
	x := Extractor{MaxURLLen: 10}
	for _, tc := range []struct {
		body, want, host string
		cut              bool
	}{
		{"http://a.example.com/0123456789abcdef", "http://a.example.com/012345678", "a.example.com", true},
		{"http://very-long-host-name.example.com/0123456789abcdef", "http://very-long-host-name.example.com/012345678", "very-long-host-name.example.com", true},
		{"http://u:p@a.example.com:8080/0123456789", "http://a.example.com:8080/0123", "a.example.com", true},
		{"http://a.example.com/01", "http://a.example.com/01", "a.example.com", false},
		{"http://a.example.com/012345678 next", "http://a.example.com/012345678", "a.example.com", false},
		{"(http://a.example.com/012345678)", "http://a.example.com/012345678", "a.example.com", false},
	} {
		links := x.Links([]byte(tc.body))
		if len(links.URLs) != 1 || links.URLs[0].Text != tc.want || links.URLs[0].Host != tc.host ||
			links.URLs[0].Cut != tc.cut || errors.Is(links.Err, ErrURLTooLong) != tc.cut {
			t.Errorf("Links(%q) with MaxURLLen 10 = %+v, want %q, cut %v", tc.body, links, tc.want, tc.cut)
		}
	}
}

// TestExtractMaxURLs trips Extractor.MaxURLs: it bounds the URLs kept
// beyond the first of each host, so URLs to a host already found are
// left out past it, and a new host's first URL is still kept.
func TestExtractMaxURLs(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		fmt.Fprintf(&b, "http://a.example.com/%d ", i)
	}
	b.WriteString("http://b.example.com/ http://b.example.com/x")
	x := Extractor{MaxURLs: 4}
	links := x.Links([]byte(b.String()))
	var got []string
	for _, u := range links.URLs {
		got = append(got, u.Text)
	}
	want := []string{"http://a.example.com/0", "http://a.example.com/1", "http://a.example.com/2", "http://a.example.com/3",
		"http://a.example.com/4", "http://b.example.com/"}
	if !errors.Is(links.Err, ErrTooManyURLs) || errors.Is(links.Err, ErrTooManyHosts) || !slices.Equal(got, want) {
		t.Errorf("Links(%q) with MaxURLs 4 = %q, %v, want %q and ErrTooManyURLs", b.String(), got, links.Err, want)
	}
	if h := links.Hosts(); !slices.Equal(h, []string{"a.example.com", "b.example.com"}) {
		t.Errorf("Links(%q) with MaxURLs 4: Hosts() = %q, want both hosts", b.String(), h)
	}
	x.MaxURLs = 6
	if links := x.Links([]byte(b.String())); links.Err != nil || len(links.URLs) != 8 {
		t.Errorf("Links(%q) with MaxURLs 6 = %s, want 8 URLs and no error", b.String(), links)
	}
}

// TestExtractMaxHosts trips Extractor.MaxHosts: the URLs of the first
// MaxHosts hosts are kept, in order, the body is not read past the
// first URL of the host that would exceed it, and Err says so.
func TestExtractMaxHosts(t *testing.T) {
	body := "http://h0.example.com/ http://h1.example.com/ http://h0.example.com/x http://h2.example.com/ http://h1.example.com/y"
	x := Extractor{MaxHosts: 2}
	links := x.Links([]byte(body))
	var got []string
	for _, u := range links.URLs {
		got = append(got, u.Text)
	}
	want := []string{"http://h0.example.com/", "http://h1.example.com/", "http://h0.example.com/x"}
	if !errors.Is(links.Err, ErrTooManyHosts) || errors.Is(links.Err, ErrTooManyURLs) || !slices.Equal(got, want) {
		t.Errorf("Links(%q) with MaxHosts 2 = %q, %v, want %q and ErrTooManyHosts", body, got, links.Err, want)
	}
	x.MaxHosts = 3
	if links := x.Links([]byte(body)); links.Err != nil || len(links.Hosts()) != 3 || len(links.URLs) != 5 {
		t.Errorf("Links(%q) with MaxHosts 3 = %s, want 5 URLs of 3 hosts and no error", body, links)
	}
	// The default is 1000 hosts.
	var b strings.Builder
	for i := range 1001 {
		fmt.Fprintf(&b, "http://h%d.example.com/ ", i)
	}
	links = (&Extractor{}).Links([]byte(b.String()))
	if h := links.Hosts(); !errors.Is(links.Err, ErrTooManyHosts) || len(h) != 1000 || h[999] != "h999.example.com" {
		t.Errorf("Links(1001 hosts) = %d hosts, %v, want the first 1000 and ErrTooManyHosts", len(h), links.Err)
	}
}

func TestRegistrable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"claim-prize.example.net", "example.net"},
		{"a.b.example.co.uk", "example.co.uk"},
		{"WWW.Example.COM.", "example.com"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"192.0.2.1", "192.0.2.1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[IPv6:2001:db8::1]", "2001:db8::1"},
		{"[ipv6:2001:db8::1]", "2001:db8::1"},
		{"[::ffff:192.0.2.1]", "192.0.2.1"},
	} {
		if got, err := Registrable(tc.in); got != tc.want || err != nil {
			t.Errorf("Registrable(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := Registrable("co.uk"); !errors.Is(err, ErrInvalidDomain) {
		t.Errorf("Registrable(co.uk) = %v, want ErrInvalidDomain", err)
	}
}

func TestReceivedIPs(t *testing.T) {
	header := "Received: from mx.example.org (mx.example.org [203.0.113.5])\r\n" +
		"\tby inbound.example.org (Postfix) with ESMTP id 1; Sun, 1 Nov 2026 12:00:00 +0000\r\n" +
		"Received: from [198.51.100.9] (198-51-113-45.dyn.example.net [198.51.113.45])\r\n" +
		"\tby mx.example.org with SMTP; Sun, 1 Nov 2026 11:59:59 +0000\r\n" +
		"Received: from relay.example.net ([192.0.2.33] helo=relay.example.net)\r\n" +
		"\tby relay2.example.net with esmtp (Exim 4.96); Sun, 1 Nov 2026 11:59:58 +0000\r\n" +
		"Received: from v6.example.net (v6.example.net [IPv6:2001:db8::25]) by relay.example.net\r\n" +
		"Received: from internal (internal [10.1.2.3]) by relay.example.net\r\n" +
		"Received: from localhost (localhost [127.0.0.1]) by relay.example.net\r\n" +
		"Received: by local.example.net (Postfix, from userid 1000)\r\n" +
		"Received: from again.example.net (again.example.net [::ffff:198.51.113.45]) by x\r\n" +
		"Subject: Received: from fake (fake [192.0.2.200])\r\n" +
		"\r\n" +
		"Received: from body (body [192.0.2.201])\r\n"
	p := &ReceivedParser{Trusted: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}
	got := p.Relays([]byte(header))
	if got.Err != nil {
		t.Fatal(got.Err)
	}
	want := []netip.Addr{netip.MustParseAddr("198.51.113.45"), netip.MustParseAddr("192.0.2.33"), netip.MustParseAddr("2001:db8::25")}
	if !slices.Equal(got.IPs, want) {
		t.Errorf("Relays = %v, want %v", got.IPs, want)
	}
	p.MaxFields = 2
	if got := p.Relays([]byte(header)); !errors.Is(got.Err, ErrTooManyReceived) || !slices.Equal(got.IPs, want[:1]) {
		t.Errorf("Relays with MaxFields 2 = %s, want %v of the first 2 fields and ErrTooManyReceived", got, want[:1])
	}
}

func TestCheckDomain(t *testing.T) {
	srv := newServer(t)
	lists := []List{
		{Zone: "dbl.test", Kind: KindDomain, Weight: 3, Reason: true},
		{Zone: "multi.test", Kind: KindDomain, Filter: BitsFilter(8), Weight: 2},
		{Zone: "multi.test", Kind: KindDomain, Filter: BitsFilter(64), Weight: 1},
	}
	c := &Checker{Resolver: srv.Resolver(), Lists: lists}
	for _, tc := range []struct {
		host string
		want string
	}{
		{"claim-prize.example.net", `listed example.net score 5 (dbl.test=127.0.1.2*3 ("https://dbl.test/example.net"), multi.test=127.0.0.24*2)`},
		{"www.example.org", `listed example.org score 1 (multi.test=127.0.0.64*1)`},
		{"example.com", `clean example.com score 0`},
		{"[192.0.2.1]", `listed 192.0.2.1 score 3 (dbl.test=127.0.1.4*3)`},
	} {
		t.Run(tc.host, func(t *testing.T) {
			o, err := c.CheckDomain(context.Background(), tc.host)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.String(); got != tc.want {
				t.Errorf("CheckDomain(%q) = %s, want %s", tc.host, got, tc.want)
			}
		})
	}
	full := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain, FullHost: true}}}
	if o, _ := full.CheckDomain(context.Background(), "claim-prize.example.net"); o.Result != Listed || o.Hits[0].Code != netip.MustParseAddr("127.0.1.5") {
		t.Errorf("CheckDomain(claim-prize.example.net) with FullHost = %s, want listed as 127.0.1.5", o)
	}
	for _, bad := range []string{"", "a..b", "co.uk"} {
		if _, err := c.CheckDomain(context.Background(), bad); !errors.Is(err, ErrInvalidDomain) {
			t.Errorf("CheckDomain(%q) = %v, want ErrInvalidDomain", bad, err)
		}
	}
}

func TestCheckHashAndAddress(t *testing.T) {
	srv := newServer(t)
	label, _ := SHA256Base32.Label([]byte("spammer@example.net"))
	file, _ := SHA1Hex.Label([]byte("MZ evil payload"))
	if err := srv.Add(label+"._email.hbl.test. 300 IN A 127.0.3.20", file+"._file.hbl.test. 300 IN A 127.0.3.10"); err != nil {
		t.Fatal(err)
	}
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{
		{Zone: "_email.hbl.test", Kind: KindAddress, Weight: 5},
		{Zone: "_file.hbl.test", Kind: KindHash, Digest: SHA1Hex, Weight: 5},
	}}
	o, err := c.CheckAddress(context.Background(), "<Spammer@Example.NET>")
	if err != nil || o.Result != Listed || o.Item != label || o.Score != 5 {
		t.Errorf("CheckAddress(<Spammer@Example.NET>) = %s, %v, want listed %s score 5", o, err, label)
	}
	if o, _ := c.CheckAddress(context.Background(), "other@example.net"); o.Result != Clean {
		t.Errorf("CheckAddress(other@example.net) = %s, want clean", o)
	}
	if o, _ := c.CheckHash(context.Background(), []byte("MZ evil payload")); o.Result != Listed || o.Item != file {
		t.Errorf("CheckHash(payload) = %s, want listed %s", o, file)
	}
	if _, err := c.CheckAddress(context.Background(), "no-at-sign"); !errors.Is(err, ErrInvalidDomain) {
		t.Errorf("CheckAddress(no-at-sign) = %v, want ErrInvalidDomain", err)
	}
}

// TestCheckSHA256: content known by its SHA-256 (attachment digests
// from a MIME scanner) is asked of the SHA-256 hash lists only.
func TestCheckSHA256(t *testing.T) {
	srv := newServer(t)
	payload := []byte("PK\x03\x04 invoice.docm with a macro")
	label, _ := SHA256Base32.Label(payload)
	if err := srv.Add(label + "._file.hbl.test. 300 IN A 127.0.3.10"); err != nil {
		t.Fatal(err)
	}
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{
		{Zone: "_file.hbl.test", Kind: KindHash, Weight: 5},
		{Zone: "md5.hashes.test", Kind: KindHash, Digest: MD5Hex},
	}}
	sum := sha256.Sum256(payload)
	o, err := c.CheckSHA256(context.Background(), sum)
	if err != nil || o.Result != Listed || o.Item != label || o.Score != 5 {
		t.Errorf("CheckSHA256(%x) = %s, %v, want listed %s score 5", sum, o, err, label)
	}
	if n := len(srv.Queries()); n != 1 {
		t.Errorf("CheckSHA256 made %d queries, want 1 (the MD5 list cannot be asked)", n)
	}
	if o, err := c.CheckHash(context.Background(), payload); err != nil || o.Result != Listed || o.Score != 5 {
		t.Errorf("CheckHash(payload) = %s, %v, want listed score 5 like CheckSHA256", o, err)
	}
	md5Only := &Checker{Resolver: srv.Resolver(), Lists: c.Lists[1:]}
	if _, err := md5Only.CheckSHA256(context.Background(), sum); !errors.Is(err, ErrNoLists) {
		t.Errorf("CheckSHA256 with only an MD5 list = %v, want ErrNoLists", err)
	}
}

// TestCheckDomains: many hosts, each registrable domain asked once, in
// order of first appearance; invalid hosts skipped; the item limit.
func TestCheckDomains(t *testing.T) {
	srv := newServer(t)
	lists := []List{{Zone: "dbl.test", Kind: KindDomain}, {Zone: "multi.test", Kind: KindDomain, Filter: BitsFilter(8 | 64)}}
	c := &Checker{Resolver: srv.Resolver(), Lists: lists, MaxParallel: 2}
	hosts := []string{"www.example.org", "claim-prize.example.net", "a.example.net", "not a host", "co.uk", "192.0.2.1", "cdn.example.com"}
	d, err := c.CheckDomains(context.Background(), hosts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range d.Domains {
		got = append(got, fmt.Sprintf("%s %s %d", o.Item, o.Result, o.Score))
	}
	want := []string{"example.org listed 1", "example.net listed 2", "192.0.2.1 listed 1", "example.com clean 0"}
	if !slices.Equal(got, want) || d.Result != Listed || d.Err != nil || d.Unchecked != 0 {
		t.Errorf("CheckDomains(%q) = %q, %s, want %q, listed", hosts, got, d, want)
	}
	if r := d.Reason(); r != "listed by multi.test, dbl.test" {
		t.Errorf("CheckDomains(%q).Reason() = %q, want %q", hosts, r, "listed by multi.test, dbl.test")
	}
	if n := srv.Count("example.net.dbl.test.", dns.TypeA); n != 1 {
		t.Errorf("queries for example.net.dbl.test = %d, want 1", n)
	}

	// FullHost: hosts are the items.
	full := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain, FullHost: true}}}
	d, err = full.CheckDomains(context.Background(), []string{"claim-prize.example.net", "a.example.net", "claim-prize.example.net"})
	if err != nil || len(d.Domains) != 2 || d.Domains[0].Result != Listed || d.Domains[1].Result != Clean {
		t.Errorf("CheckDomains with FullHost = %s, %v, want claim-prize listed and a clean", d, err)
	}

	ipOnly := &Checker{Resolver: srv.Resolver(), Lists: mustLists(t, "zen.test")}
	if _, err := ipOnly.CheckDomains(context.Background(), hosts); !errors.Is(err, ErrNoLists) {
		t.Errorf("CheckDomains with only IP lists = %v, want ErrNoLists", err)
	}
	if d, err := c.CheckDomains(context.Background(), nil); err != nil || d.Result != Clean || len(d.Domains) != 0 || d.Err != nil {
		t.Errorf("CheckDomains(nil) = %s, %v, want clean with no domains", d, err)
	}
}

// TestCheckDomainsMaxItems trips Checker.MaxItems: the first MaxItems
// distinct items are checked and reported, the rest counted; the limit
// is in Err and makes the result Unknown, unless a checked domain is
// listed. It is never an error, and never Clean.
func TestCheckDomainsMaxItems(t *testing.T) {
	srv := newServer(t)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}}
	// Clean domains, then a listed one past the limit.
	hosts := []string{"a.example.com", "www.example.com", "b.example.org", "c.example.info", "claim-prize.example.net", "d.example.edu"}
	for _, tc := range []struct {
		max       int
		result    Result
		checked   []string
		unchecked int
	}{
		{2, Unknown, []string{"example.com", "example.org"}, 3},
		{3, Unknown, []string{"example.com", "example.org", "example.info"}, 2},
		{4, Listed, []string{"example.com", "example.org", "example.info", "example.net"}, 1},
		{5, Listed, []string{"example.com", "example.org", "example.info", "example.net", "example.edu"}, 0},
	} {
		c.MaxItems = tc.max
		d, err := c.CheckDomains(context.Background(), hosts)
		var checked []string
		for _, o := range d.Domains {
			checked = append(checked, o.Item)
		}
		if err != nil || d.Result != tc.result || !slices.Equal(checked, tc.checked) || d.Unchecked != tc.unchecked ||
			errors.Is(d.Err, ErrTooManyItems) != (tc.unchecked > 0) {
			t.Errorf("CheckDomains with MaxItems %d = %s (Err %v), %v, want %s of %q, %d unchecked",
				tc.max, d, d.Err, err, tc.result, tc.checked, tc.unchecked)
		}
		if tc.result == Unknown && d.Reason() != "too many domains" {
			t.Errorf("CheckDomains with MaxItems %d: Reason() = %q, want %q", tc.max, d.Reason(), "too many domains")
		}
	}
	// The default limit is 100 distinct domains.
	c.MaxItems = 0
	hosts = hosts[:0]
	for i := range 101 {
		hosts = append(hosts, fmt.Sprintf("h%d.example%d.com", i, i))
	}
	d, err := c.CheckDomains(context.Background(), hosts)
	if err != nil || d.Result != Unknown || len(d.Domains) != 100 || d.Unchecked != 1 || !errors.Is(d.Err, ErrTooManyItems) {
		t.Errorf("CheckDomains of 101 domains = %s with %d checked, %d unchecked, %v, want unknown, 100 checked and ErrTooManyItems",
			d.Result, len(d.Domains), d.Unchecked, err)
	}
}

// TestCheckDomainsFailedList: a domain whose list lookup fails is Unknown,
// and so is the whole, with the cause in Err; one listed domain decides.
func TestCheckDomainsFailedList(t *testing.T) {
	srv := newServer(t)
	srv.Fail("example.org.dbl.test.", dns.TypeA, resolvertest.ServFail)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}}
	d, err := c.CheckDomains(context.Background(), []string{"www.example.com", "www.example.org"})
	if err != nil || d.Result != Unknown || !errors.Is(d.Err, ErrDNS) || d.Domains[1].Result != Unknown || d.Reason() != "DNS server failure" {
		t.Errorf("CheckDomains with example.org failing = %s (%q), %v, want unknown with ErrDNS, reason DNS server failure", d, d.Reason(), err)
	}
	d, err = c.CheckDomains(context.Background(), []string{"www.example.org", "www.example.net"})
	if err != nil || d.Result != Listed || !errors.Is(d.Err, ErrDNS) {
		t.Errorf("CheckDomains with example.org failing, example.net listed = %s, %v, want listed, Err with ErrDNS", d, err)
	}
}

// TestCheckDomainsConcurrent: four domains on lists answering after
// 300 ms all answer within a 1 s deadline, which checking them one after
// another (1.2 s) would exceed.
func TestCheckDomainsConcurrent(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency(300 * time.Millisecond)
	c := &Checker{Resolver: srv.Resolver(), Lists: []List{{Zone: "dbl.test", Kind: KindDomain}}, Timeout: time.Second}
	d, err := c.CheckDomains(context.Background(), []string{"a.example.net", "b.example.org", "c.example.com", "d.example.info"})
	if err != nil || len(d.Domains) != 4 {
		t.Fatalf("CheckDomains = %s, %v, want 4 outcomes", d, err)
	}
	for _, o := range d.Domains {
		if len(o.ListErrors) != 0 {
			t.Errorf("CheckDomains outcome %s has errors, want none (domains checked concurrently)", o)
		}
	}
}

// TestReceivedFrom checks the address taken from the from clause of the
// Received formats of real MTAs, and that the client's own claims (an
// Exim helo= literal, a HELO address literal) never replace the
// address the MTA recorded.
func TestReceivedFrom(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Exim without a verified host name: the comment holds only the HELO.
		{"from [198.51.100.9] (helo=[192.0.2.77]) by mx.example.org with esmtp (Exim 4.96)", "198.51.100.9"},
		{"from [198.51.100.9]:4321 (HELO=[192.0.2.77]) by mx.example.org", "198.51.100.9"},
		{"from [2001:db8::9] (helo=[IPv6:2001:db8::77]) by mx.example.org", "2001:db8::9"},
		// Exim with one.
		{"from relay.example.net ([192.0.2.33]:25 helo=[192.0.2.77]) by x", "192.0.2.33"},
		// Postfix with an address-literal HELO, tag in any case.
		{"from [IPV6:2001:db8::77] (unknown [IPv6:2001:db8::9]) by mx.example.org (Postfix)", "2001:db8::9"},
		{"from h (h [ipv6:2001:db8::9]) by x", "2001:db8::9"},
		{"from [IPV6:2001:db8::77] by x", "2001:db8::77"},
		// qmail: the HELO argument comes first, in a comment of its own.
		{"from unknown (HELO [192.0.2.77]) (198.51.100.9) by mx.example.org with SMTP", "198.51.100.9"},
		{"from unknown (helo 192.0.2.77) (198.51.100.9)", "198.51.100.9"},
		{"from mail.example.net (EHLO 192.0.2.77) (198.51.100.9) by mx.example.org", "198.51.100.9"},
		// Gmail, Exchange.
		{"from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id x", "209.85.220.41"},
		{"from EX01.corp.example.com (2603:10b6:208:12::34) by EX02.corp.example.com (2603:10b6:208:12::35) with Microsoft SMTP Server", "2603:10b6:208:12::34"},
	} {
		got, ok := receivedFrom(tc.in)
		if !ok || got != netip.MustParseAddr(tc.want) {
			t.Errorf("receivedFrom(%q) = %v, %v, want %s", tc.in, got, ok, tc.want)
		}
	}
}

// TestDomainItemLiteral checks that IP-literal hosts are items of their
// address, the IPv6 tag in any case (RFC 5321 §4.1.3).
func TestDomainItemLiteral(t *testing.T) {
	for _, tc := range []struct{ host, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"[192.0.2.1]", "192.0.2.1"},
		{"[IPv6:2001:db8::1]", "2001:db8::1"},
		{"[ipv6:2001:db8::1]", "2001:db8::1"},
		{"[IPV6:2001:db8::1]", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
	} {
		it, err := domainItem(tc.host)
		if err != nil || it.ip != netip.MustParseAddr(tc.want) {
			t.Errorf("domainItem(%q) = %v, %v, want %s", tc.host, it.ip, err, tc.want)
		}
	}
}

// TestReceivedFromLongWord: a word of 50,000 address tokens after
// "helo=" is read in one pass (each token looking back to the start of
// its word made it quadratic: 11 s for this 550 kB field), and none of
// its addresses is taken.
func TestReceivedFromLongWord(t *testing.T) {
	v := "from x (helo=" + strings.Repeat("[192.0.2.1]", 50000) + ") by y"
	if got, ok := receivedFrom(v); ok {
		t.Errorf("receivedFrom(from x (helo=[192.0.2.1]...)) = %v, want none", got)
	}
}

// TestExtractURLHosts checks the hosts of URLs whose authority is
// written to mislead: user information (RFC 3986 §3.2.1) before the
// host, and a backslash, which browsers take for the end of the
// authority (WHATWG URL Standard), before an '@'.
func TestExtractURLHosts(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`<a href="http://paypal.example@evil.example/login">`, "evil.example"},
		{`<a href="http://evil.example\@paypal.example/login">`, "evil.example"},
		{`<a href="https://evil.example:8443\@paypal.example">`, "evil.example"},
		{`<a href="http://user:pw@host.example/a@b">`, "host.example"},
		// Percent-encoded hosts, which browsers decode.
		{"http://evil%2Eexample/x", "evil.example"},
		{"http://%65%56%69%6c.example/", "evil.example"},
		{"http://b%C3%BCcher.example/", "b\u00fccher.example"},
		{"http://a.example/%2e%2e", "a.example"},
		// IPv4 hosts in the forms browsers accept (WHATWG IPv4 parser).
		{"http://3221225991/x", "192.0.2.7"},
		{"http://0xc0.0x0.0x2.0x7/", "192.0.2.7"},
		{"http://0XC0000207/", "192.0.2.7"},
		{"http://0300.0.02.07/", "192.0.2.7"},
		{"http://192.0.519/", "192.0.2.7"},
		{"http://192.7/", "192.0.0.7"},
		{"http://192.0.2.7./", "192.0.2.7"},
		{"http://1x.example/", "1x.example"},
		{"http://a.0x1g/", "a.0x1g"},
		// UTS #46 label separators, which browsers read as dots.
		{"http://evil\u3002example/x", "evil.example"},
		{"http://www\uff0eevil\uff61example", "www.evil.example"},
		{"http://192\u30020\u30022\u30021/", "192.0.2.1"},
		{"http://b\u00fccher\u3002example/", "b\u00fccher.example"},
	} {
		var x Extractor
		links := x.Links([]byte(tc.body))
		if links.Err != nil || len(links.URLs) != 1 || links.URLs[0].Host != tc.want {
			t.Errorf("Links(%q) = %v, want one URL with host %s", tc.body, links, tc.want)
		}
	}
}
