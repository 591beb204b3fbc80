package rbl_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/netip"

	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// exampleLists is a DNSBL, a DNSWL and a domain list, served by the
// in-process DNS server so that the examples need no network.
const exampleLists = `
$TTL 300
; zen.example: a Spamhaus ZEN-like DNSBL
2.0.0.127.zen.example.   IN A   127.0.0.2
2.0.0.127.zen.example.   IN TXT "test"
7.113.0.203.zen.example. IN A   127.0.0.3
7.113.0.203.zen.example. IN A   127.0.0.11
7.113.0.203.zen.example. IN TXT "https://zen.example/query/ip/203.0.113.7"
9.113.0.203.zen.example. IN A   127.255.255.254
; wl.example: a DNSWL (127.0.<category>.<trust>)
10.2.0.192.wl.example.   IN A   127.0.15.3
; dbl.example: a domain list
test.dbl.example.        IN A   127.0.1.2
example.net.dbl.example. IN A   127.0.1.2
; uribl.example: a domain list answering an error code (127.255.255.254:
; the query was refused)
example.org.uribl.example. IN A 127.255.255.254
; _file.hbl.example: a hash list, SHA-256 in base32 (Spamhaus HBL style)
fqgykd5qoadzrzdy6js77v7rjevfacdkhulpsidbyubk5esrm7ua._file.hbl.example. IN A 127.0.3.15
`

func startServer() *resolvertest.Server {
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: ".", Text: exampleLists})
	if err != nil {
		panic(err)
	}
	return srv
}

func ExampleChecker_CheckIP() {
	srv := startServer()
	defer srv.Close()

	// postscreen_dnsbl_sites syntax: codes 2..11 weigh 3, the allowlist -2.
	lists, err := rbl.ParseLists("zen.example=127.0.0.[2..11]*3, wl.example=127.0.[0..255].[1..3]*-2")
	if err != nil {
		panic(err)
	}
	lists[0].Reason = true // fetch the TXT record of a hit
	c := &rbl.Checker{Resolver: srv.Resolver(), Lists: lists, Threshold: 3, AllowlistThreshold: -1}

	ctx := context.Background()
	for _, ip := range []string{"203.0.113.7", "192.0.2.10", "198.51.100.1", "203.0.113.9"} {
		o, err := c.CheckIP(ctx, netip.MustParseAddr(ip))
		if err != nil {
			panic(err)
		}
		// Reason is for headers and SMTP replies; String (and Err) for logs.
		fmt.Printf("%s: %s\n\t%s\n", o.Result, o.Reason(), o)
	}
	// Output:
	// listed: listed by zen.example
	//	listed 203.0.113.7 score 3 (zen.example=127.0.0.3*3 ("https://zen.example/query/ip/203.0.113.7"))
	// allowlisted: allowlisted by wl.example
	//	allowlisted 192.0.2.10 score -2 (wl.example=127.0.15.3*-2)
	// clean: not listed
	//	clean 198.51.100.1 score 0
	// unknown: list refused the query
	//	unknown 203.0.113.9 score 0; zen.example: rbl: list returned an error code: 127.255.255.254
}

// ExampleChecker_CheckLinks checks the links of a message body against
// domain lists (URIBL): Extractor finds the URLs, CheckLinks asks about
// each registrable domain once and counts the limits the extraction
// reached, so that links past a limit never make a clean pass.
func ExampleChecker_CheckLinks() {
	srv := startServer()
	defer srv.Close()

	c := &rbl.Checker{Resolver: srv.Resolver(), Lists: []rbl.List{
		{Zone: "dbl.example", Kind: rbl.KindDomain},
		{Zone: "uribl.example", Kind: rbl.KindDomain},
	}}
	ctx := context.Background()
	body := []byte(`<p>Your parcel: <a href="https://track.example.org/p/1">track</a>,
or claim your prize at hxxp://claim-prize[.]example[.]net/win and www.example.com.</p>`)
	d, err := c.CheckLinks(ctx, (&rbl.Extractor{}).Links(body))
	if err != nil {
		panic(err) // no domain list configured
	}
	fmt.Printf("%s: %s\n", d.Result, d.Reason())
	for _, o := range d.Domains {
		fmt.Println("\t", o.Item, o.Result, o.Reason())
	}

	// More link hosts than the Extractor keeps: the hosts past the limit
	// are not checked, so the result is unknown, not clean; Err has the
	// limit for the logs.
	x := &rbl.Extractor{MaxHosts: 2}
	links := x.Links([]byte("http://www.example.com/ http://shop.example.com/ http://cdn.example.com/ http://claim-prize.example.net/"))
	d, err = c.CheckLinks(ctx, links)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s\n\t%s\n\t%v\n", d.Result, d.Reason(), d, d.Err)
	// Output:
	// listed: listed by dbl.example
	//	 example.org unknown list refused the query
	//	 example.net listed listed by dbl.example
	//	 example.com clean not listed
	// unknown: too many links
	//	unknown: clean example.com score 0; link hosts past the limit not checked
	//	rbl: too many URL hosts: limit 2
}

// ExampleChecker_CheckDomains checks the domains a message names outside
// its body (the HELO name, the MAIL FROM and From domains) against
// domain lists, each registrable domain once. For the links of a body,
// use CheckLinks, which counts the limits of the extraction.
func ExampleChecker_CheckDomains() {
	srv := startServer()
	defer srv.Close()

	c := &rbl.Checker{Resolver: srv.Resolver(), Lists: []rbl.List{
		{Zone: "dbl.example", Kind: rbl.KindDomain},
		{Zone: "uribl.example", Kind: rbl.KindDomain},
	}}
	hosts := []string{"mail.example.org", "bounce.example.net", "example.com", "news.example.net"}
	d, err := c.CheckDomains(context.Background(), hosts)
	if err != nil {
		panic(err) // no domain list configured
	}
	fmt.Printf("%s: %s\n", d.Result, d.Reason())
	for _, o := range d.Domains {
		fmt.Println(o.Item, o.Result, o.Reason())
	}
	// Output:
	// listed: listed by dbl.example
	// example.org unknown list refused the query
	// example.net listed listed by dbl.example
	// example.com clean not listed
}

// ExampleChecker_CheckSHA256 checks an attachment against a hash list by
// its SHA-256 digest, as sha256.Sum256 returns it and package mime
// reports it for each part.
func ExampleChecker_CheckSHA256() {
	srv := startServer()
	defer srv.Close()

	c := &rbl.Checker{Resolver: srv.Resolver(), Lists: []rbl.List{
		{Zone: "_file.hbl.example", Kind: rbl.KindHash, Filter: rbl.MustParseFilter("127.0.3.[0..255]")},
	}}
	for _, attachment := range [][]byte{[]byte("MZ fake invoice.exe payload"), []byte("a harmless attachment")} {
		o, err := c.CheckSHA256(context.Background(), sha256.Sum256(attachment))
		if err != nil {
			panic(err)
		}
		fmt.Println(o)
	}
	// Output:
	// listed fqgykd5qoadzrzdy6js77v7rjevfacdkhulpsidbyubk5esrm7ua score 1 (_file.hbl.example=127.0.3.15*1)
	// clean 27zvnattuxdbehpusxewn32mrhq5pq2xpk7c5ipq6vnttgpecrkq score 0
}

func ExampleChecker_CheckDomain() {
	srv := startServer()
	defer srv.Close()

	c := &rbl.Checker{Resolver: srv.Resolver(), Lists: []rbl.List{{Zone: "dbl.example", Kind: rbl.KindDomain}}}
	for _, host := range []string{"claim-prize.example.net", "www.example.org"} {
		o, err := c.CheckDomain(context.Background(), host)
		if err != nil {
			panic(err)
		}
		fmt.Println(o)
	}
	// Output:
	// listed example.net score 1 (dbl.example=127.0.1.2*1)
	// clean example.org score 0
}

func ExampleParseList() {
	l, err := rbl.ParseList("zen.spamhaus.org=127.0.0.[2..11]*3")
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Zone, l.Weight, l.Filter.Match(netip.MustParseAddr("127.0.0.4")), l.Filter.Match(netip.MustParseAddr("127.0.0.20")))
	fmt.Println(l)
	// Output:
	// zen.spamhaus.org 3 true false
	// zen.spamhaus.org=127.0.0.[2..11]*3
}

func ExampleSelfTest() {
	srv := startServer()
	defer srv.Close()

	// RFC 5782 §5: 127.0.0.2 is listed and 127.0.0.1 is not.
	err := rbl.SelfTest(context.Background(), srv.Resolver(), rbl.List{Zone: "zen.example"})
	fmt.Println(err)
	err = rbl.SelfTest(context.Background(), srv.Resolver(), rbl.List{Zone: "wl.example"})
	fmt.Println(err != nil)
	// Output:
	// <nil>
	// true
}

func ExampleExtractor_Links() {
	body := []byte(`<p>Claim your <a href="https://Claim-Prize.example.net/win?id=1">prize</a>
or paste hxxp://login[.]example[.]org/verify into your browser.
<img src="http://203.0.113.5/pixel.gif"> More at www.example.com.</p>`)
	links := (&rbl.Extractor{}).Links(body)
	for _, u := range links.URLs {
		fmt.Println(u.Host, u.Text)
	}
	// A limit reached is in Err (the URLs found so far are still in
	// URLs); Checker.CheckLinks counts it.
	fmt.Println("limits:", links.Err)
	// Output:
	// claim-prize.example.net https://claim-prize.example.net/win?id=1
	// login.example.org http://login.example.org/verify
	// 203.0.113.5 http://203.0.113.5/pixel.gif
	// www.example.com http://www.example.com
	// limits: <nil>
}

func ExampleReceivedParser_Relays() {
	header := []byte("Received: from mail.example.net (mail.example.net [203.0.113.7])\r\n" +
		"\tby mx.example.org (Postfix) with ESMTPS id 4Xy1z1; Sun, 1 Nov 2026 11:59:57 +0000\r\n" +
		"Received: from [10.1.2.3] (helo=app.internal) by mail.example.net with esmtpa (Exim 4.97)\r\n" +
		"Received: from relay.example.net ([198.51.100.23] helo=relay) by gw.example.net with esmtp\r\n" +
		"\r\n")
	// 198.51.100.0/24 are our own relays: their addresses are skipped;
	// 10.1.2.3 is private and always skipped.
	p := &rbl.ReceivedParser{Trusted: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	relays := p.Relays(header)
	fmt.Println(relays.IPs, relays.Err)
	// Output:
	// [203.0.113.7] <nil>
}

func ExampleDigest_Label() {
	label, err := rbl.SHA256Base32.Label([]byte("spammer@example.net"))
	if err != nil {
		panic(err)
	}
	// CheckAddress asks for <label>.<zone>.
	fmt.Println(label)
	// Output:
	// nyrhnog4fpj77e7arizvbocvvuogzltkwe6lse4btdrisde24bdq
}
