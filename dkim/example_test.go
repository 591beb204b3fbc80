package dkim_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// exampleKey is a fixed ed25519 key (ed25519 signatures are
// deterministic, so the examples' output is too); exampleNow a fixed
// clock.
var (
	exampleKey = ed25519.NewKeyFromSeed(make([]byte, 32))
	exampleNow = func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
)

const exampleMessage = "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"

// exampleServer serves the example key at sel._domainkey.example.com
// from an in-process DNS server.
func exampleServer() *resolvertest.Server {
	record, _ := dkim.KeyRecord(exampleKey.Public())
	srv, err := resolvertest.Start(resolvertest.Zone{Origin: "example.com.",
		Text: `sel._domainkey IN TXT "` + record + `"`})
	if err != nil {
		panic(err)
	}
	return srv
}

// ExampleSigner_Sign signs a message and prints the DKIM-Signature field
// to prepend to it.
func ExampleSigner_Sign() {
	s := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: exampleKey, Now: exampleNow}
	field, err := s.Sign(strings.NewReader(exampleMessage))
	if err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(field, "\r\n", "\n"))
	// Output:
	// DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
	//	s=sel; t=1793534400; h=from:to:subject:from:to:subject:date; bh=yZQq1c
	//	8wjBl0fZ4Wc/oraMCAG1mZJv5v/hlvyFy+t6A=; b=EfqyrWlDZ+U+asC2B2bbEUJD8JDP
	//	rFgg9ijPGTFwO+/11kd2Qo7949cJmim4JlKPzoizllUdLdmeKERgiXpxAA==
}

// ExampleVerifier_Verify signs a message and verifies it against a key
// record served by an in-process DNS server.
func ExampleVerifier_Verify() {
	srv := exampleServer()
	defer srv.Close()
	signer := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: exampleKey, Now: exampleNow}
	field, err := signer.Sign(strings.NewReader(exampleMessage))
	if err != nil {
		panic(err)
	}

	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: exampleNow}
	outs, err := v.Verify(context.Background(), strings.NewReader(field+exampleMessage))
	if err != nil {
		panic(err)
	}
	for _, o := range outs {
		fmt.Println(o.Result, o.Domain, o.Selector, o.Algorithm, o.KeyBits)
	}
	// Tampered in transit:
	outs, _ = v.Verify(context.Background(), strings.NewReader(field+exampleMessage+"P.S. send money\r\n"))
	fmt.Println(outs[0])
	fmt.Println(outs[0].Reason())
	// Output:
	// pass example.com sel ed25519-sha256 256
	// fail d=example.com s=sel a=ed25519-sha256 (256 bits): dkim: body hash did not verify
	// body hash did not verify
}

// ExampleVerifier_VerifyHeader reads the header first (as a program
// that also needs it for other checks does), then verifies with the
// body that follows it. ReadHeader skips a leading mbox From_ line and
// reports where the body starts.
func ExampleVerifier_VerifyHeader() {
	srv := exampleServer()
	defer srv.Close()
	signer := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: exampleKey, Now: exampleNow}
	field, _ := signer.Sign(strings.NewReader(exampleMessage))
	msg := []byte("From alice@example.com  Sun Nov  1 12:00:00 2026\n" + field + exampleMessage)

	h, n, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d fields, body at %d: %q\n", len(h), n, msg[n:])

	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: exampleNow}
	outs, err := v.VerifyHeader(context.Background(), h, bytes.NewReader(msg[n:]))
	if err != nil {
		panic(err)
	}
	fmt.Println(outs[0].Result, outs[0].Domain)
	// Output:
	// 4 fields, body at 393: "Hello.\r\n"
	// pass example.com
}

// ExampleVerifier_Begin is the flow of a milter: the header arrives as
// (name, value) pairs, the body in chunks. One Body hashes the chunks
// once for the DKIM verification, the ARC verification and the ARC seal
// this hop adds (all three need relaxed SHA-256 here), and none needs a
// goroutine or a pipe.
func ExampleVerifier_Begin() {
	srv := exampleServer()
	defer srv.Close()
	signer := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: exampleKey, Now: exampleNow}
	field, _ := signer.Sign(strings.NewReader(exampleMessage))
	sealer := &arc.Sealer{Domain: "example.com", Selector: "sel", Key: exampleKey, AuthServID: "mx.example.com", Now: exampleNow}
	set, _ := sealer.Seal(strings.NewReader(field+exampleMessage), nil, arc.None)
	msg := set + field + exampleMessage

	// What a milter's header callbacks give (Postfix removes the space
	// after the colon, and separates folded lines with LF).
	var hb dkim.HeaderBuilder
	head, body, _ := strings.Cut(msg, "\r\n\r\n")
	for _, f := range strings.Split(strings.ReplaceAll(head, "\r\n\t", "\n\t"), "\r\n") {
		name, value, _ := strings.Cut(f, ": ")
		if err := hb.Add(name, value); err != nil {
			panic(err)
		}
	}
	ctx := context.Background()
	var shared dkim.Body
	ds, err := (&dkim.Verifier{Resolver: srv.Resolver(), Now: exampleNow}).Begin(ctx, hb.Header(), &shared)
	if err != nil {
		panic(err)
	}
	as, err := (&arc.Verifier{Resolver: srv.Resolver()}).Begin(ctx, hb.Header(), &shared)
	if err != nil {
		panic(err)
	}
	hop := &arc.Sealer{Domain: "example.com", Selector: "sel", Key: exampleKey, AuthServID: "mx.example.org", Now: exampleNow}
	ss, err := hop.Begin(hb.Header(), &shared)
	if err != nil {
		panic(err)
	}
	for chunk := range strings.SplitAfterSeq(body, "\n") {
		shared.Write([]byte(chunk)) // one write per chunk, for all three
	}
	fmt.Println("body hashes:", shared.Len())

	// End of message: the verdicts, then the seal that carries them.
	dkimOuts, chain := ds.Close(), as.Close()
	fmt.Println(dkimOuts[0].Result, chain)
	results := append(dkim.AuthResults(dkimOuts), chain.AuthResult())
	fields, err := ss.Close(results, chain.Result)
	if err != nil {
		panic(err)
	}
	fmt.Println(fields[:strings.Index(fields, "\r\n")])
	// Output:
	// body hashes: 1
	// pass pass sets=1 oldest-pass=1
	// ARC-Seal: i=2; a=ed25519-sha256; cv=pass; d=example.com; s=sel; t=1793534400;
}

// ExampleHeaderBuilder rebuilds a folded field from a milter's header
// callback: Postfix drops the space after the colon and gives folded
// lines with LF.
func ExampleHeaderBuilder() {
	var hb dkim.HeaderBuilder
	hb.Add("Subject", "A long\n\tsubject")
	fmt.Printf("%q\n", hb.Header()[0].Raw)

	exact := dkim.HeaderBuilder{LeadingSpace: true} // SMFIP_HDR_LEADSPC negotiated
	exact.Add("Subject", "\tA long\r\n\tsubject")
	fmt.Printf("%q\n", exact.Header()[0].Raw)
	// Output:
	// "Subject: A long\r\n\tsubject\r\n"
	// "Subject:\tA long\r\n\tsubject\r\n"
}

// ExampleOutcome_AuthResult renders verification results as an
// Authentication-Results header field; AuthResults gives dkim=none for
// a message without signatures.
func ExampleOutcome_AuthResult() {
	o := dkim.Outcome{Result: dkim.Pass, Domain: "example.com", Identifier: "@example.com",
		Selector: "sel", Algorithm: dkim.Ed25519SHA256, HeaderB: "dGVzdHNp"}
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{o.AuthResult()}}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n"))

	h.Results = dkim.AuthResults(nil) // no DKIM-Signature
	fmt.Println(h)
	// Output:
	// Authentication-Results: mx.example.org;
	//	dkim=pass header.d=example.com header.i=@example.com header.s=sel header.a=ed25519-sha256 header.b=dGVzdHNp
	// mx.example.org; dkim=none
}
