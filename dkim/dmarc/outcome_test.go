package dmarc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestReasonHidesInternals: with a DNS server that times out or
// refuses, the dmarc result's reason is "DNS timeout" or "DNS query refused",
// without the resolver's address, port or error chain (which stay in
// Err); reason= carried "dmarc: DNS failure: lookup TXT _dmarc.x. on
// 127.0.0.1:...".
func TestReasonHidesInternals(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	port := strconv.Itoa(int(srv.AddrPort().Port()))
	for _, tc := range []struct {
		failure resolvertest.Failure
		reason  string
	}{{resolvertest.Drop, "DNS timeout"}, {resolvertest.Refused, "DNS query refused"}} {
		t.Run(tc.failure.String(), func(t *testing.T) {
			srv.Fail("_dmarc.example.com.", dns.TypeTXT, tc.failure)
			r := srv.Resolver()
			r.Timeout, r.Attempts = 200*time.Millisecond, 1
			o, err := (&dmarc.Evaluator{Resolver: r}).Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			if o.Result != dmarc.TempError || o.Reason() != tc.reason || !strings.Contains(o.Err.Error(), "127.0.0.1") {
				t.Errorf("Evaluate = %v, Reason %q; want temperror, %q, the server named in Err", o, o.Reason(), tc.reason)
			}
			text := authres.Header{ServID: "mx.example.org", Results: []authres.Result{o.AuthResult()}}.Field()
			for _, bad := range []string{"127.0.0.1", port, "lookup", "dmarc:", "resolver:"} {
				if strings.Contains(text, bad) {
					t.Errorf("Authentication-Results %q contains %q", text, bad)
				}
			}
			if want := `dmarc=temperror reason="` + tc.reason + `"`; !strings.Contains(text, want) {
				t.Errorf("Authentication-Results %q lacks %s", text, want)
			}
		})
	}
}

// TestOutcomeText checks String (for logs), Reason and AuthResult (for
// headers) of each kind of outcome, in ModeRFC7489 (where several
// records are a permerror); TestOutcomeTextRFC9989 has the texts that
// differ in ModeRFC9989.
func TestOutcomeText(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	e := &dmarc.Evaluator{Resolver: srv.Resolver(), MaxFromDomains: 2, Mode: dmarc.ModeRFC7489}
	type input struct {
		dmarc.Input
		lax bool // AllowMultipleFrom
	}
	for _, tc := range []struct {
		in                input
		str, reason, auth string
	}{
		{input{Input: dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.com")}},
			"pass from=example.com policy=reject disposition=none", "", "dmarc=pass header.from=example.com policy.dmarc=reject"},
		{input{Input: dmarc.Input{FromDomains: []string{"example.com"}}},
			"fail from=example.com policy=reject disposition=reject", "no aligned identifier passed",
			`dmarc=fail reason="no aligned identifier passed" header.from=example.com policy.dmarc=reject`},
		{input{Input: dmarc.Input{FromDomains: []string{"example.org"}}},
			"none from=example.org: dmarc: no DMARC record at _dmarc.example.org", "no DMARC record",
			`dmarc=none reason="no DMARC record" header.from=example.org`},
		{input{Input: dmarc.Input{}},
			"none: dmarc: no From domain", "no From domain", `dmarc=none reason="no From domain"`},
		{input{Input: dmarc.Input{FromDomains: []string{"two.example"}}},
			"permerror from=two.example: dmarc: multiple DMARC records at _dmarc.two.example", "multiple DMARC records",
			`dmarc=permerror reason="multiple DMARC records" header.from=two.example`},
		{input{Input: dmarc.Input{FromDomains: []string{"bad.example"}}},
			`permerror from=bad.example: dmarc: syntax error: missing or invalid p="bogus"`, "malformed DMARC record",
			`dmarc=permerror reason="malformed DMARC record" header.from=bad.example`},
		{input{Input: dmarc.Input{FromDomains: []string{"a.example", "b.example", "c.example"}}},
			"fail from=a.example: dmarc: several From fields or author domains: 3 author domains", "several author domains",
			`dmarc=fail reason="several author domains" header.from=a.example`},
		{input{Input: dmarc.Input{Header: dkim.Header{{Name: "From", Raw: "From: a@a.example\r\n"}, {Name: "from", Raw: "from: b@a.example\r\n"}}}},
			"fail from=a.example: dmarc: several From fields or author domains: 2 From fields", "multiple From fields",
			`dmarc=fail reason="multiple From fields" header.from=a.example`},
		{input{dmarc.Input{FromDomains: []string{"a.example", "b.example", "c.example"}}, true},
			"permerror from=a.example: dmarc: too many From domains: 3, limit 2", "too many From domains",
			`dmarc=permerror reason="too many From domains" header.from=a.example`},
	} {
		e := e
		if tc.in.lax {
			e = &dmarc.Evaluator{Resolver: srv.Resolver(), MaxFromDomains: 2, AllowMultipleFrom: true, Mode: dmarc.ModeRFC7489}
		}
		o, err := e.Evaluate(context.Background(), tc.in.Input)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(o); got != tc.str {
			t.Errorf("fmt.Sprint(Evaluate(%v)) = %q, want %q", tc.in.FromDomains, got, tc.str)
		}
		if got := o.Reason(); got != tc.reason {
			t.Errorf("Evaluate(%v).Reason() = %q, want %q", tc.in.FromDomains, got, tc.reason)
		}
		if got := o.AuthResult().String(); got != tc.auth {
			t.Errorf("Evaluate(%v).AuthResult() = %q, want %q", tc.in.FromDomains, got, tc.auth)
		}
	}
}

// TestEvaluateInput: Evaluate fails only for an Input it cannot use, an
// SPF result that is no RFC 7208 token (a whole Received-SPF line, say).
func TestEvaluateInput(t *testing.T) {
	var e dmarc.Evaluator
	for _, r := range []string{"pass (mechanism ip4 matched)", "hardfail", "ok"} {
		if _, err := e.Evaluate(context.Background(), dmarc.Input{SPF: dmarc.SPF{Result: r}}); !errors.Is(err, dmarc.ErrSPFResult) {
			t.Errorf("Evaluate(SPF %q) = %v, want ErrSPFResult", r, err)
		}
	}
	for _, r := range []string{"", "none", "Pass", "SoftFail", "temperror", "permerror", "neutral", "fail"} {
		if _, err := e.Evaluate(context.Background(), dmarc.Input{SPF: dmarc.SPF{Result: r}}); err != nil {
			t.Errorf("Evaluate(SPF %q) = %v, want nil", r, err)
		}
	}
}

// TestEvaluatorTimeout trips Evaluator.Timeout: with a server that never
// answers and a resolver that would wait 30 s, the evaluation ends after
// the Evaluator's 200 ms with a temperror.
func TestEvaluatorTimeout(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	srv.Fail("_dmarc.example.com.", dns.TypeTXT, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout, r.Attempts = 30*time.Second, 1
	e := &dmarc.Evaluator{Resolver: r, Timeout: 200 * time.Millisecond}
	start := time.Now()
	o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Evaluate took %v, want about Timeout (200ms)", d)
	}
	if err != nil || o.Result != dmarc.TempError || o.Reason() != "DNS timeout" {
		t.Errorf("Evaluate = %v (%q), %v, want temperror (DNS timeout)", o, o.Reason(), err)
	}
}

// TestZeroEvaluator: the zero Evaluator works, with net.DefaultResolver;
// no lookup reaches the network (no From domain, or an expired context).
func TestZeroEvaluator(t *testing.T) {
	var e dmarc.Evaluator
	o, err := e.Evaluate(context.Background(), dmarc.Input{})
	if err != nil || o.Result != dmarc.None || !errors.Is(o.Err, dmarc.ErrNoFrom) {
		t.Errorf("zero Evaluator, no From = %v, %v, want none (ErrNoFrom)", o, err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	o, err = e.Evaluate(ctx, dmarc.Input{FromDomains: []string{"example.com"}})
	if err != nil || o.Result != dmarc.TempError || o.Reason() != "DNS timeout" {
		t.Errorf("zero Evaluator, expired context = %v (%q), %v, want temperror (DNS timeout)", o, o.Reason(), err)
	}
}

// TestTrace checks that Trace receives the outcome.
func TestTrace(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	var mu sync.Mutex
	var lines []string
	e := &dmarc.Evaluator{Resolver: srv.Resolver(), Trace: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	if _, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.com")}); err != nil {
		t.Fatal(err)
	}
	if want := "dmarc: pass from=example.com policy=reject disposition=none"; len(lines) != 1 || lines[0] != want {
		t.Errorf("Trace lines = %q, want %q", lines, want)
	}
}

// TestOutcomeTextRFC9989 checks the texts that differ in ModeRFC9989:
// no record is found by a walk, and several records at one name are
// discarded (RFC 9989 §4.10 step 2), said in Details, not an error.
func TestOutcomeTextRFC9989(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	for _, tc := range []struct {
		from, str, reason, auth, detail string
	}{
		{"example.org", "none from=example.org: dmarc: no DMARC record for example.org (tree walk)", "no DMARC record",
			`dmarc=none reason="no DMARC record" header.from=example.org`, ""},
		{"two.example", "none from=two.example: dmarc: no DMARC record for two.example (tree walk)", "no DMARC record",
			`dmarc=none reason="no DMARC record" header.from=two.example`, "several DMARC records at _dmarc.two.example, discarded"},
	} {
		o, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(o); got != tc.str {
			t.Errorf("fmt.Sprint(Evaluate(%s)) = %q, want %q", tc.from, got, tc.str)
		}
		if got := o.Reason(); got != tc.reason {
			t.Errorf("Evaluate(%s).Reason() = %q, want %q", tc.from, got, tc.reason)
		}
		if got := o.AuthResult().String(); got != tc.auth {
			t.Errorf("Evaluate(%s).AuthResult() = %q, want %q", tc.from, got, tc.auth)
		}
		if tc.detail != "" && !slices.Contains(o.Details, tc.detail) {
			t.Errorf("Evaluate(%s).Details = %q, want %q among them", tc.from, o.Details, tc.detail)
		}
	}
}
