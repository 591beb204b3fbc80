package dmarc_test

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// The message Alice sends to the team list: example.com publishes
// p=reject and signs it.
const aliceToList = "From: Alice <alice@example.com>\r\n" +
	"To: team@lists.example.org\r\n" +
	"Subject: Minutes of Tuesday's meeting\r\n" +
	"Date: Tue, 24 Nov 2026 09:30:00 +0000\r\n" +
	"Message-ID: <minutes.42@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hi all,\r\n" +
	"\r\n" +
	"the minutes are below. Next meeting on Thursday.\r\n" +
	"\r\n" +
	"Alice\r\n"

// listHop is what the list server at example.org (the ARC sealer)
// does: it checks the incoming message (DKIM, then DMARC), records its
// findings, rewrites the subject, adds its headers and footer, seals the
// result (ARC, RFC 8617 §5.1) and sends it on from its own bounce
// address.
func listHop(t *testing.T, srv *resolvertest.Server, now time.Time, signed string) []byte {
	t.Helper()
	ctx := context.Background()
	outs, err := (&dkim.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return now }}).Verify(ctx, strings.NewReader(signed))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.Pass {
		t.Fatalf("list: dkim = %v, %v, want one pass", outs, err)
	}
	h, _, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(signed)), 0)
	if err != nil {
		t.Fatal(err)
	}
	spf := dmarc.SPF{Result: "pass", Domain: "example.com"}
	d, err := (&dmarc.Evaluator{Resolver: srv.Resolver()}).Evaluate(ctx, dmarc.Input{Header: h, DKIM: outs, SPF: spf})
	if err != nil || d.Result != dmarc.Pass {
		t.Fatalf("list: dmarc = %v, %v, want pass", d, err)
	}
	results := append(dkim.AuthResults(outs),
		authres.Result{Method: "spf", Value: "pass", Props: []authres.Prop{{Type: "smtp", Property: "mailfrom", Value: "alice@example.com"}}},
		d.AuthResult())

	// Mailman-style changes: a subject tag, list headers, a footer.
	msg := strings.Replace(signed, "Subject: Minutes", "Subject: [team] Minutes", 1)
	msg = strings.Replace(msg, "\r\n\r\n", "\r\nList-Id: Team <team.lists.example.org>\r\n"+
		"List-Unsubscribe: <mailto:team-leave@lists.example.org>\r\n"+
		"Sender: team-bounces@lists.example.org\r\n\r\n", 1)
	msg += "_______________________________________________\r\n" +
		"Team mailing list -- team@lists.example.org\r\n" +
		"To unsubscribe send an email to team-leave@lists.example.org\r\n"

	s := &arc.Sealer{Domain: "example.org", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "lists.example.org",
		Now: func() time.Time { return now.Add(time.Minute) }}
	fields, err := s.Seal(strings.NewReader(msg), results, arc.None)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(fields + msg)
}

// receive is the final receiver: DKIM, ARC and DMARC over the message,
// with SPF passing for the list's bounce domain.
func receive(t *testing.T, srv *resolvertest.Server, now time.Time, e *dmarc.Evaluator, msg []byte) (dmarc.Outcome, []dkim.Outcome, arc.Outcome) {
	t.Helper()
	ctx := context.Background()
	outs, err := (&dkim.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return now }}).Verify(ctx, bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := (&arc.Verifier{Resolver: srv.Resolver(), Now: func() time.Time { return now }}).Verify(ctx, bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := dkim.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), 0)
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.Evaluate(ctx, dmarc.Input{Header: h, DKIM: outs, ARC: &chain,
		SPF: dmarc.SPF{Result: "pass", Domain: "lists.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	return o, outs, chain
}

// TestARCOverrideMailingList forwards a p=reject author's message
// through a mailing list that rewrites the subject and adds a footer:
// the author's DKIM signature breaks and the list's SPF domain is not
// aligned, so DMARC fails. With the list's sealer trusted, the list's
// ARC-Authentication-Results (dmarc=pass for example.com) override the
// reject: disposition none, the result still fail, the reason recorded
// as RFC 8617 §7.2.1 suggests. Untrusted, or with a chain broken after
// sealing, or with an untrusted hop claiming the same, it stays reject.
func TestARCOverrideMailingList(t *testing.T) {
	srv := dkimtest.Server(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.example.com. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
_dmarc.example.org. IN TXT "v=DMARC1; p=none"
`})
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	signer := &dkim.Signer{Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), Now: func() time.Time { return now }}
	sig, err := signer.Sign(strings.NewReader(aliceToList))
	if err != nil {
		t.Fatal(err)
	}
	forwarded := listHop(t, srv, now, sig+aliceToList)
	later := now.Add(5 * time.Minute)

	trusted := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"lists.example.net", "Example.ORG."}}
	o, outs, chain := receive(t, srv, later, trusted, forwarded)
	if len(outs) != 1 || outs[0].Result != dkim.Fail {
		t.Fatalf("receiver: dkim = %v, want the author's signature broken by the list", outs)
	}
	if chain.Result != arc.Pass || chain.Instances != 1 {
		t.Fatalf("receiver: arc = %v, want pass", chain)
	}
	if o.Result != dmarc.Fail || o.Policy != dmarc.PolicyReject || o.Disposition != dmarc.DispositionNone || !o.ARCOverride {
		t.Errorf("trusted sealer: dmarc = %v (override %v, %q), want fail, policy reject, disposition none", o, o.ARCOverride, o.Details)
	}
	want := dmarc.Override{Type: dmarc.OverrideLocalPolicy, Comment: "arc=pass as[1].d=example.org as[1].s=rsa2048"}
	if len(o.Overrides) != 1 || o.Overrides[0] != want {
		t.Errorf("trusted sealer: Overrides = %+v, want %+v", o.Overrides, want)
	}
	if got, want := o.AuthResult().String(), `dmarc=fail reason="no aligned identifier passed, trusted ARC override" header.from=example.com policy.dmarc=reject`; got != want {
		t.Errorf("AuthResult = %s, want %s", got, want)
	}
	// What a report row gets.
	if len(o.DKIMResults) != 1 || o.DKIMResults[0] != (dmarc.DKIMResult{Domain: "example.com", Selector: "rsa2048", Result: "fail"}) ||
		o.SPFResult != (dmarc.SPFResult{Domain: "lists.example.org", Scope: "mfrom", Result: "pass"}) {
		t.Errorf("report rows: DKIM %+v SPF %+v", o.DKIMResults, o.SPFResult)
	}

	for _, tc := range []struct {
		name    string
		e       *dmarc.Evaluator
		msg     []byte
		arcPass bool
	}{
		{"no trusted sealers", &dmarc.Evaluator{Resolver: srv.Resolver()}, forwarded, true},
		{"sealer not trusted", &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"lists.example.net"}}, forwarded, true},
		{"changed after sealing", trusted, bytes.Replace(forwarded, []byte("Next meeting on Thursday"), []byte("Next meeting on Friday"), 1), false},
		{"From added above the sealed message", trusted, append([]byte("From: CEO <ceo@example.com>\r\n"), forwarded...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _, chain := receive(t, srv, later, tc.e, tc.msg)
			if (chain.Result == arc.Pass) != tc.arcPass {
				t.Fatalf("arc = %v, want pass %v", chain, tc.arcPass)
			}
			if o.Result != dmarc.Fail || o.Disposition != dmarc.DispositionReject || o.ARCOverride || len(o.Overrides) != 0 {
				t.Errorf("dmarc = %v (override %v %+v), want fail, reject, no override", o, o.ARCOverride, o.Overrides)
			}
		})
	}

	// A hop nobody trusts claiming dmarc=pass for example.com, sealing a
	// forged message: no override.
	forged := "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Urgent\r\n\r\nPay now.\r\n"
	evil := &arc.Sealer{Domain: "example.net", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.net"}
	fields, err := evil.Seal(strings.NewReader(forged), []authres.Result{{Method: "dmarc", Value: "pass",
		Props: []authres.Prop{{Type: "header", Property: "from", Value: "example.com"}}}}, arc.None)
	if err != nil {
		t.Fatal(err)
	}
	o, _, chain = receive(t, srv, time.Now(), trusted, []byte(fields+forged))
	if chain.Result != arc.Pass || o.Disposition != dmarc.DispositionReject || o.ARCOverride {
		t.Errorf("forged, sealed by an untrusted hop: arc %v, dmarc %v, want arc pass and reject", chain, o)
	}
}

// TestARCOverrideAlignedDKIM: an AAR without a dmarc result vouches by
// a dkim=pass whose d= aligns (relaxed) with the From domain; one for
// another domain does not.
func TestARCOverrideAlignedDKIM(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `_dmarc.example.com. IN TXT "v=DMARC1; p=quarantine"`})
	for _, tc := range []struct {
		d        string
		override bool
	}{{"mail.example.com", true}, {"example.com.evil.example", false}} {
		chain := arc.Outcome{Result: arc.Pass, Instances: 1, Sets: []arc.SetResult{{Instance: 1, Domain: "lists.example.org", Selector: "s",
			Results: authres.Header{ServID: "lists.example.org", Results: []authres.Result{{Method: "dkim", Value: "pass",
				Props: []authres.Prop{{Type: "header", Property: "d", Value: tc.d}}}}}}}}
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"lists.example.org"}}
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}, ARC: &chain})
		if err != nil || o.Result != dmarc.Fail || o.ARCOverride != tc.override {
			t.Errorf("AAR dkim=pass header.d=%s: dmarc = %v override %v, %v, want fail, override %v", tc.d, o, o.ARCOverride, err, tc.override)
		}
	}
}

// TestARCOverrideOldestTrusted: the oldest set sealed by a trusted
// domain decides (later hops saw the message after it changed); an
// untrusted older hop's word counts for nothing; a failing chain or a
// field added above the newest message signature's coverage allows no
// override.
func TestARCOverrideOldestTrusted(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `_dmarc.example.com. IN TXT "v=DMARC1; p=reject"`})
	aar := func(value string) authres.Header {
		return authres.Header{Results: []authres.Result{{Method: "dmarc", Value: value,
			Props: []authres.Prop{{Type: "header", Property: "from", Value: "example.com"}}}}}
	}
	set := func(i int, d, value string) arc.SetResult {
		return arc.SetResult{Instance: i, Domain: d, Selector: "s", Results: aar(value)}
	}
	for _, tc := range []struct {
		name     string
		chain    arc.Outcome
		override bool
	}{
		{"oldest trusted vouches", arc.Outcome{Result: arc.Pass, Instances: 2,
			Sets: []arc.SetResult{set(1, "fwd.example.net", "pass"), set(2, "lists.example.org", "fail")}}, true},
		{"untrusted hop vouches, trusted one does not", arc.Outcome{Result: arc.Pass, Instances: 2,
			Sets: []arc.SetResult{set(1, "evil.example", "pass"), set(2, "lists.example.org", "fail")}}, false},
		{"only a later trusted hop vouches", arc.Outcome{Result: arc.Pass, Instances: 2,
			Sets: []arc.SetResult{set(1, "fwd.example.net", "fail"), set(2, "lists.example.org", "pass")}}, false},
		{"chain failed", arc.Outcome{Result: arc.Fail, Instances: 1,
			Sets: []arc.SetResult{set(1, "lists.example.org", "pass")}}, false},
		{"From added above", arc.Outcome{Result: arc.Pass, Instances: 1, UnsignedFields: []string{"from"},
			Sets: []arc.SetResult{set(1, "lists.example.org", "pass")}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"fwd.example.net", "lists.example.org"}}
			o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}, ARC: &tc.chain})
			if err != nil || o.Result != dmarc.Fail || o.ARCOverride != tc.override ||
				(o.Disposition == dmarc.DispositionNone) != tc.override {
				t.Errorf("Evaluate = %v override %v (%q), %v, want fail, override %v", o, o.ARCOverride, o.Details, err, tc.override)
			}
		})
	}
}

// TestARCOverrideUntrustedLaterHop: a hop nobody trusts that seals the
// message after a trusted one may have changed it. An attacker takes a
// genuine message the trusted list vouched for, rewrites its body and
// seals it with a key of their own (cv=pass: the earlier seals still
// verify, and only the newest message signature must): the trusted
// AAR vouched for another text, so no override. An untrusted relay that
// changes nothing (the trusted set's message signature still verifies,
// oldest-pass at or below it) keeps the override.
func TestARCOverrideUntrustedLaterHop(t *testing.T) {
	srv := dkimtest.Server(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.example.com. IN TXT "v=DMARC1; p=reject"
`})
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	signer := &dkim.Signer{Domain: "example.com", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), Now: func() time.Time { return now }}
	sig, err := signer.Sign(strings.NewReader(aliceToList))
	if err != nil {
		t.Fatal(err)
	}
	forwarded := listHop(t, srv, now, sig+aliceToList)
	later := now.Add(5 * time.Minute)
	trusted := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"example.org"}}
	reseal := func(msg []byte) []byte {
		evil := &arc.Sealer{Domain: "example.net", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.net",
			Now: func() time.Time { return now.Add(2 * time.Minute) }}
		fields, err := evil.Seal(bytes.NewReader(msg), nil, arc.Pass)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte(fields), msg...)
	}
	for _, tc := range []struct {
		name     string
		msg      []byte
		override bool
	}{
		{"body rewritten, resealed by an untrusted hop",
			reseal(bytes.Replace(forwarded, []byte("Next meeting on Thursday."), []byte("Pay invoice 7731 today: IBAN XX00 0000."), 1)), false},
		{"relayed unchanged by an untrusted hop", reseal(forwarded), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _, chain := receive(t, srv, later, trusted, tc.msg)
			if chain.Result != arc.Pass || chain.Instances != 2 {
				t.Fatalf("arc = %v, want a passing chain of 2", chain)
			}
			if o.Result != dmarc.Fail || o.ARCOverride != tc.override || (o.Disposition == dmarc.DispositionNone) != tc.override {
				t.Errorf("dmarc = %v (override %v, %q), want fail, override %v", o, o.ARCOverride, o.Details, tc.override)
			}
		})
	}
}

// TestARCOverrideNothingToOverride: a fail whose disposition is already
// none (p=none, or p=quarantine with t=y) has nothing for the trusted
// sealer to override: no local_policy reason in the report (RFC 9990
// §3.1.6 reasons say why the disposition differs from the policy), no
// "trusted ARC override" in reason=.
func TestARCOverrideNothingToOverride(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: `
_dmarc.none.example. IN TXT "v=DMARC1; p=none"
_dmarc.test.example. IN TXT "v=DMARC1; p=quarantine; t=y"
_dmarc.rej.example.  IN TXT "v=DMARC1; p=reject"
`})
	for _, tc := range []struct {
		from     string
		override bool
		reasons  int
	}{{"none.example", false, 0}, {"test.example", false, 1}, {"rej.example", true, 1}} {
		chain := arc.Outcome{Result: arc.Pass, Instances: 1, OldestPass: 1, Sets: []arc.SetResult{{Instance: 1, Domain: "lists.example.org", Selector: "s",
			Results: authres.Header{Results: []authres.Result{{Method: "dmarc", Value: "pass",
				Props: []authres.Prop{{Type: "header", Property: "from", Value: tc.from}}}}}}}}
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), TrustedSealers: []string{"lists.example.org"}}
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}, ARC: &chain})
		if err != nil || o.Result != dmarc.Fail || o.Disposition != dmarc.DispositionNone || o.ARCOverride != tc.override ||
			len(o.Overrides) != tc.reasons || strings.Contains(o.Reason(), "ARC") != tc.override {
			t.Errorf("%s: dmarc = %v override %v %+v reason %q, %v, want fail, disposition none, override %v, %d reasons",
				tc.from, o, o.ARCOverride, o.Overrides, o.Reason(), err, tc.override, tc.reasons)
		}
	}
}
