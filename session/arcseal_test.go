package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/mime"
)

// TestARCSealStripped: when the mime policy strips a part, the ARC set
// seals the message as delivered (the received header and the stripped
// body, what the milter's body replacement and StrippedMessage give),
// so that the next hop finds this host's seal valid; the ARC results
// sealed are those of the chain as received.
func TestARCSealStripped(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	r := testResolver(srv, true)
	e := testEngine(t, r)
	e.MIMEPolicy = mime.Policy{Reject: []mime.Kind{}, Strip: []mime.Kind{mime.KindExecutable, mime.KindDangerousExtension}}
	e.ARCSealer = &arc.Sealer{Domain: "example.org", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.org",
		Now: func() time.Time { return testNow }}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, goodIP, "")
	s.Helo(ctx, "mail.example.com")
	s.Mail(ctx, "billing@example.com")
	s.Rcpt(ctx, "bob@example.org")
	in := malware()
	s.Write(in)
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Strip) == 0 {
		t.Fatalf("verdict %s: nothing stripped", v)
	}
	var set strings.Builder
	for _, f := range v.Headers {
		if strings.HasPrefix(f.Name, "ARC-") {
			set.WriteString(f.String() + "\r\n")
		}
	}
	if set.Len() == 0 {
		t.Fatalf("no ARC set in %v", v.Headers)
	}
	verify := func(what string, msg []byte) {
		t.Helper()
		o, err := (&arc.Verifier{Resolver: r, Now: func() time.Time { return testNow }}).Verify(ctx, strings.NewReader(set.String()+string(msg)))
		if err != nil || o.Result != arc.Pass {
			t.Errorf("%s under this host's ARC set: %v, %v; want pass", what, o, err)
		}
	}
	whole, err := s.StrippedMessage()
	if err != nil {
		t.Fatal(err)
	}
	verify("StrippedMessage (smtpd)", whole)
	body, err := s.StrippedBody()
	if err != nil {
		t.Fatal(err)
	}
	_, b, _ := header.Split(in)
	verify("received header + StrippedBody (milter)", append(in[:b:b], body...))
}

// TestARCSealWithoutVerifier: ARCSealer without ARC seals a message that
// carries no ARC set (its chain is none: RFC 8617 §5.1.1, cv=none, i=1,
// needs no verification), and for one that carries sets, whose chain
// it did not verify, adds no set and says so in an ARC_NOT_SEALED row.
func TestARCSealWithoutVerifier(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	r := testResolver(srv, true)
	ctx := context.Background()
	env := Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}
	sealer := &arc.Sealer{Domain: "example.org", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.org",
		Now: func() time.Time { return testNow }}
	e := testEngine(t, r)
	e.ARC = nil
	e.ARCSealer = sealer
	arcSet := func(v Verdict) string {
		var set strings.Builder
		for _, f := range v.Headers {
			if strings.HasPrefix(f.Name, "ARC-") {
				set.WriteString(f.String() + "\r\n")
			}
		}
		return set.String()
	}
	msg := signed(t, message("alice@example.com", "forward me", "Body.\n"))
	v, err := e.Check(ctx, env, msg)
	if err != nil {
		t.Fatal(err)
	}
	set := arcSet(v)
	if set == "" {
		t.Fatalf("no chain, no verifier: no ARC set in %v (rows %v)", v.Headers, v.Rows)
	}
	o, err := (&arc.Verifier{Resolver: r, Now: func() time.Time { return testNow }}).Verify(ctx, strings.NewReader(set+string(msg)))
	if err != nil || o.Result != arc.Pass {
		t.Errorf("the sealed message's chain: %v, %v; want pass", o, err)
	}
	// The sealed message comes back through a host with no verifier.
	v, err = e.Check(ctx, env, []byte(set+string(msg)))
	if err != nil {
		t.Fatal(err)
	}
	if s := arcSet(v); s != "" {
		t.Errorf("a chain not verified was sealed:\n%s", s)
	}
	if row, ok := rowOf(v, "arc-seal"); !ok || row.Rule != ARCNotSealed || row.Reason == "" {
		t.Errorf("arc-seal row = %v, want %s with a reason", row, ARCNotSealed)
	}
	if v.Action != Accept {
		t.Errorf("verdict %s, want accept (sealing is no check)", v)
	}
}
