package authres_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// Example composes one Authentication-Results field from the real
// checks of a receiving MTA, in the order it runs them: iprev (rdns's
// forward-confirmed reverse DNS, RFC 8601 §3) at connect time, spf at
// MAIL FROM, then, once the message is in, dkim, dmarc (which takes the
// spf and dkim results) and arc. The DNS is an in-process server; the
// key is an ed25519 key made from a fixed seed, and the clock is fixed,
// so the signature, and this output, are always the same.
func Example() {
	// The sender's DNS: the client's PTR and A records, an SPF record,
	// the DKIM key and a DMARC record.
	srv, err := resolvertest.Start(
		resolvertest.Zone{Origin: "example.com.", Text: `
@      IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mail   IN A   192.0.2.25
_dmarc IN TXT "v=DMARC1; p=reject"
`},
		resolvertest.Zone{Origin: "2.0.192.in-addr.arpa.", Text: `
25 IN PTR mail.example.com.
`})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	seed := sha256.Sum256([]byte("spamkit example key"))
	key := ed25519.NewKeyFromSeed(seed[:])
	record, err := dkim.KeyRecord(key.Public())
	if err != nil {
		panic(err)
	}
	if err := srv.AddTXT("sel._domainkey.example.com", time.Hour, record); err != nil {
		panic(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }

	// The sender signs its message.
	msg := "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: lunch\r\n" +
		"Date: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\nAt noon?\r\n"
	signer := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: key, Now: now}
	sig, err := signer.Sign(strings.NewReader(msg))
	if err != nil {
		panic(err)
	}
	msg = sig + msg

	// The receiving MTA, mx.example.org.
	ctx := context.Background()
	r := srv.Resolver()
	client := netip.MustParseAddr("192.0.2.25")
	var results []authres.Result

	iprev, err := (&rdns.Checker{Resolver: r}).FCrDNS(ctx, client)
	if err != nil {
		panic(err) // only for an invalid address
	}
	results = append(results, iprev.AuthResult())

	spfOut, err := (&spf.Checker{Resolver: r}).Check(ctx, client, "mail.example.com", "<alice@example.com>")
	if err != nil {
		panic(err) // only for an invalid address or MAIL FROM
	}
	results = append(results, spfOut.AuthResult())

	// The header is read once, for dkim, dmarc and arc.
	h, n, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
	if err != nil {
		panic(err)
	}
	body := []byte(msg[n:])
	dkimOuts, err := (&dkim.Verifier{Resolver: r, Now: now}).VerifyHeader(ctx, h, bytes.NewReader(body))
	if err != nil {
		panic(err) // only for a message it cannot read
	}
	results = append(results, dkim.AuthResults(dkimOuts)...) // dkim=none when unsigned

	dmarcOut, err := (&dmarc.Evaluator{Resolver: r}).Evaluate(ctx, dmarc.Input{
		Header: h,
		SPF:    dmarc.SPF{Result: string(spfOut.Result), Domain: spfOut.Domain},
		DKIM:   dkimOuts,
	})
	if err != nil {
		panic(err) // only for an Input it cannot use
	}
	results = append(results, dmarcOut.AuthResult())

	arcOut, err := (&arc.Verifier{Resolver: r}).VerifyHeader(ctx, h, bytes.NewReader(body))
	if err != nil {
		panic(err) // only for a message it cannot read
	}
	results = append(results, arcOut.AuthResult())

	field := authres.Header{ServID: "mx.example.org", Results: results}.Field()
	fmt.Print(strings.ReplaceAll(field, "\r\n", "\n")) // CRLF in mail
	// Output:
	// Authentication-Results: mx.example.org;
	//	iprev=pass policy.iprev=192.0.2.25;
	//	spf=pass smtp.mailfrom=alice@example.com;
	//	dkim=pass header.d=example.com header.i=@example.com header.s=sel header.a=ed25519-sha256 header.b=pzs4+4Q3;
	//	dmarc=pass header.from=example.com policy.dmarc=reject;
	//	arc=none
}
