package dkim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// ExampleVerifier_Verify signs a message and verifies it against a key
// record served by an in-process DNS server.
func ExampleVerifier_Verify() {
	key := ed25519.NewKeyFromSeed(make([]byte, 32)) // an example key
	record, _ := dkim.KeyRecord(key.Public())
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: "example.com.",
		Text: `sel._domainkey IN TXT "` + record + `"`})
	defer srv.Close()

	now := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	msg := "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	signer := &dkim.Signer{Domain: "example.com", Selector: "sel", Key: key, Now: now}
	field, err := signer.Sign(strings.NewReader(msg))
	if err != nil {
		panic(err)
	}

	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: now}
	results, err := v.Verify(context.Background(), strings.NewReader(field+msg))
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Result, r.Domain, r.Selector, r.Algorithm, r.KeyBits)
	}
	// Tampered in transit:
	results, _ = v.Verify(context.Background(), strings.NewReader(field+msg+"P.S. send money\r\n"))
	fmt.Println(results[0].Result, results[0].Err)
	// Output:
	// pass example.com sel ed25519-sha256 256
	// fail dkim: body hash did not verify
}

// ExampleVerification_AuthResult renders verification results as an
// Authentication-Results header field.
func ExampleVerification_AuthResult() {
	v := dkim.Verification{Result: dkim.Pass, Domain: "example.com", Identifier: "@example.com",
		Selector: "sel", Algorithm: dkim.Ed25519SHA256, HeaderB: "dGVzdHNp"}
	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{v.AuthResult()}}
	fmt.Print(strings.ReplaceAll(h.Field(), "\r\n", "\n"))
	// Output:
	// Authentication-Results: mx.example.org;
	//	dkim=pass header.d=example.com header.i=@example.com header.s=sel header.a=ed25519-sha256 header.b=dGVzdHNp
}
