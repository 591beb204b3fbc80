package arc_test

import (
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

// Example follows a message through a mailing list: the list verifies
// the (empty) chain, seals with its findings, then changes the subject
// as lists do; the receiver's verification passes, and the list's
// ARC-Authentication-Results tell it that the author's DKIM signature
// passed before the change. DNS is an in-process server.
func Example() {
	key := ed25519.NewKeyFromSeed(make([]byte, 32)) // an example key
	record, _ := dkim.KeyRecord(key.Public())
	srv, _ := resolvertest.Start(resolvertest.Zone{Origin: "lists.example.net.",
		Text: `arc._domainkey IN TXT "` + record + `"`})
	defer srv.Close()
	ctx := context.Background()
	v := &arc.Verifier{Resolver: srv.Resolver()}

	msg := "From: alice@example.com\r\nTo: list@lists.example.net\r\nSubject: Lunch\r\n\r\nNoon?\r\n"
	in, _ := v.Verify(ctx, strings.NewReader(msg)) // the list, on receipt
	fmt.Println("at the list:", in.Result)

	sealer := &arc.Sealer{Domain: "lists.example.net", Selector: "arc", Key: key, AuthServID: "lists.example.net",
		Now: func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }}
	found := []authres.Result{
		{Method: "dkim", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "d", Value: "example.com"}}},
		in.AuthResult(),
	}
	set, err := sealer.Seal(strings.NewReader(msg), found, in.Result)
	if err != nil {
		panic(err)
	}
	// The list rewrites the subject after sealing: the ARC-Message-Signature
	// covers Subject, so this breaks the chain. String is for logs, Reason
	// for headers.
	broken, _ := v.Verify(ctx, strings.NewReader(set+strings.Replace(msg, "Lunch", "[list] Lunch", 1)))
	fmt.Println("changed after sealing:", broken)
	fmt.Println(broken.AuthResult())

	// Sealed after the change, the chain passes at the receiver.
	listed := strings.Replace(msg, "Lunch", "[list] Lunch", 1)
	set, _ = sealer.Seal(strings.NewReader(listed), found, in.Result)
	out, _ := v.Verify(ctx, strings.NewReader(set+listed))
	fmt.Println("at the receiver:", out)
	d, _ := out.Sets[0].Results.Results[0].Get("header", "d")
	fmt.Println("the list saw:", out.Sets[0].Results.Results[0].Method, out.Sets[0].Results.Results[0].Value, d)
	fmt.Println(out.AuthResult())
	// Output:
	// at the list: none
	// changed after sealing: fail i=1: arc: ARC-Message-Signature did not verify: dkim: signature did not verify
	// arc=fail reason="message signature i=1: signature did not verify"
	// at the receiver: pass sets=1 oldest-pass=1
	// the list saw: dkim pass example.com
	// arc=pass
}
