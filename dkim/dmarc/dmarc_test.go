package dmarc_test

import (
	"bufio"
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

const zone = `
$TTL 300
_dmarc.example.com.      IN TXT "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:d@example.com"
mail.example.com.        IN A   192.0.2.1
_dmarc.strict.example.   IN TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s"
_dmarc.half.example.     IN TXT "v=DMARC1; p=reject; pct=50"
_dmarc.none.example.     IN TXT "v=DMARC1; p=none"
_dmarc.two.example.      IN TXT "v=DMARC1; p=none"
_dmarc.two.example.      IN TXT "v=DMARC1; p=reject"
_dmarc.bad.example.      IN TXT "v=DMARC1; p=bogus"
_dmarc.other.example.    IN TXT "v=spf1 -all"
_dmarc.other.example.    IN TXT "v=DMARC1; p=quarantine"
_dmarc.fail.example.     IN TXT "v=DMARC1; p=reject"
_dmarc.xn--bcher-kva.example. IN TXT "v=DMARC1; p=reject; adkim=s"
`

func pass(d string) []dkim.Outcome { return []dkim.Outcome{{Result: dkim.Pass, Domain: d}} }

func TestEvaluate(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	srv.Fail("_dmarc.fail.example.", dns.TypeTXT, resolvertest.ServFail)
	for _, tc := range []struct {
		name    string
		in      dmarc.Input
		pct     int
		want    dmarc.Result
		policy  dmarc.Policy
		disp    dmarc.Disposition
		err     error
		sampled bool
		lax     bool       // AllowMultipleFrom
		only    dmarc.Mode // "": the row holds in both modes
	}{
		{name: "dkim aligned", in: dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.com")}, want: dmarc.Pass, policy: dmarc.PolicyReject, disp: dmarc.DispositionNone},
		{name: "dkim relaxed subdomain", in: dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("mail.example.com")}, want: dmarc.Pass, policy: dmarc.PolicyReject, disp: dmarc.DispositionNone},
		{name: "spf aligned", in: dmarc.Input{FromDomains: []string{"example.com"}, SPF: dmarc.SPF{Result: "pass", Domain: "bounce.example.com"}}, want: dmarc.Pass, policy: dmarc.PolicyReject, disp: dmarc.DispositionNone},
		{name: "unaligned", in: dmarc.Input{FromDomains: []string{"example.com"}, DKIM: pass("example.net"), SPF: dmarc.SPF{Result: "pass", Domain: "example.net"}}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "dkim fail", in: dmarc.Input{FromDomains: []string{"example.com"}, DKIM: []dkim.Outcome{{Result: dkim.Fail, Domain: "example.com"}}}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "subdomain sp", in: dmarc.Input{FromDomains: []string{"mail.example.com"}}, want: dmarc.Fail, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionQuarantine},
		{name: "nonexistent np", in: dmarc.Input{FromDomains: []string{"nosuch.example.com"}}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "strict dkim subdomain", in: dmarc.Input{FromDomains: []string{"strict.example"}, DKIM: pass("a.strict.example")}, want: dmarc.Fail, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionQuarantine},
		{name: "strict exact", in: dmarc.Input{FromDomains: []string{"strict.example"}, DKIM: pass("STRICT.example")}, want: dmarc.Pass, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionNone},
		{name: "strict spf subdomain", in: dmarc.Input{FromDomains: []string{"strict.example"}, SPF: dmarc.SPF{Result: "pass", Domain: "bounce.strict.example"}}, want: dmarc.Fail, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionQuarantine},
		{name: "strict spf exact", in: dmarc.Input{FromDomains: []string{"strict.example"}, SPF: dmarc.SPF{Result: "pass", Domain: "strict.example."}}, want: dmarc.Pass, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionNone},
		{name: "spf softfail aligned", in: dmarc.Input{FromDomains: []string{"example.com"}, SPF: dmarc.SPF{Result: "softfail", Domain: "example.com"}}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "pct sampled in", in: dmarc.Input{FromDomains: []string{"half.example"}}, pct: 10, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "pct sampled out", only: dmarc.ModeRFC7489, in: dmarc.Input{FromDomains: []string{"half.example"}}, pct: 70, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionQuarantine, sampled: true},
		// RFC 9989 §A.6: pct= is removed; only pct=0 means something.
		{name: "pct ignored", only: dmarc.ModeRFC9989, in: dmarc.Input{FromDomains: []string{"half.example"}}, pct: 70, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "p=none", in: dmarc.Input{FromDomains: []string{"none.example"}}, want: dmarc.Fail, policy: dmarc.PolicyNone, disp: dmarc.DispositionNone},
		{name: "no record", in: dmarc.Input{FromDomains: []string{"example.org"}}, want: dmarc.None, disp: dmarc.DispositionNone, err: dmarc.ErrNoRecord},
		{name: "two records", only: dmarc.ModeRFC7489, in: dmarc.Input{FromDomains: []string{"two.example"}}, want: dmarc.PermError, disp: dmarc.DispositionNone, err: dmarc.ErrMultipleRecords},
		// RFC 9989 §4.10 step 2: several records are discarded and the
		// walk goes on (to _dmarc.example, which has none).
		{name: "two records discarded", only: dmarc.ModeRFC9989, in: dmarc.Input{FromDomains: []string{"two.example"}}, want: dmarc.None, disp: dmarc.DispositionNone, err: dmarc.ErrNoRecord},
		{name: "bad record", in: dmarc.Input{FromDomains: []string{"bad.example"}}, want: dmarc.PermError, disp: dmarc.DispositionNone, err: dmarc.ErrSyntax},
		{name: "other TXT ignored", in: dmarc.Input{FromDomains: []string{"other.example"}}, want: dmarc.Fail, policy: dmarc.PolicyQuarantine, disp: dmarc.DispositionQuarantine},
		{name: "servfail", in: dmarc.Input{FromDomains: []string{"fail.example"}}, want: dmarc.TempError, disp: dmarc.DispositionNone, err: dmarc.ErrDNS},
		{name: "no From", in: dmarc.Input{}, want: dmarc.None, disp: dmarc.DispositionNone, err: dmarc.ErrNoFrom},
		// RFC 7489 §6.6.1: several author domains fail closed by
		// default; with AllowMultipleFrom, each is evaluated and the
		// strictest failing one decides.
		{name: "two From domains", in: dmarc.Input{FromDomains: []string{"none.example", "example.com"}, DKIM: pass("none.example")}, want: dmarc.Fail, disp: dmarc.DispositionReject, err: dmarc.ErrMultipleFrom},
		{name: "two From domains, lax, strictest fails", lax: true, in: dmarc.Input{FromDomains: []string{"none.example", "example.com"}, DKIM: pass("none.example")}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		// An internationalized From domain (RFC 6532) is looked up and
		// aligned as A-labels, as d= is written (RFC 6376 §3.5).
		{name: "IDN From, A-label d=", in: dmarc.Input{FromDomains: []string{"Bücher.example"}, DKIM: pass("xn--bcher-kva.example")}, want: dmarc.Pass, policy: dmarc.PolicyReject, disp: dmarc.DispositionNone},
		{name: "IDN From, U-label SPF domain", in: dmarc.Input{FromDomains: []string{"bücher.example"}, SPF: dmarc.SPF{Result: "pass", Domain: "Bücher.example"}}, want: dmarc.Pass, policy: dmarc.PolicyReject, disp: dmarc.DispositionNone},
		{name: "IDN From, unaligned", in: dmarc.Input{FromDomains: []string{"bücher.example"}, DKIM: pass("example.com")}, want: dmarc.Fail, policy: dmarc.PolicyReject, disp: dmarc.DispositionReject},
		{name: "too many From domains", lax: true, in: dmarc.Input{FromDomains: []string{"a.example", "b.example", "c.example"}}, want: dmarc.PermError, disp: dmarc.DispositionNone, err: dmarc.ErrTooManyFrom},
	} {
		for _, mode := range []dmarc.Mode{dmarc.ModeRFC9989, dmarc.ModeRFC7489} {
			if tc.only != "" && tc.only != mode {
				continue
			}
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				e := &dmarc.Evaluator{Resolver: srv.Resolver(), Percent: func() int { return tc.pct }, MaxFromDomains: 2, AllowMultipleFrom: tc.lax, Mode: mode}
				got, err := e.Evaluate(context.Background(), tc.in)
				if err != nil {
					t.Fatalf("Evaluate(%+v) error %v", tc.in, err)
				}
				if got.Result != tc.want || got.Policy != tc.policy || got.Disposition != tc.disp || got.SampledOut != tc.sampled ||
					tc.err != nil && !errors.Is(got.Err, tc.err) || tc.err == nil && got.Err != nil {
					t.Errorf("Evaluate(%+v) = %s policy %q disposition %s sampled %v err %v (details %q), want %s %q %s %v %v",
						tc.in, got.Result, got.Policy, got.Disposition, got.SampledOut, got.Err, got.Details, tc.want, tc.policy, tc.disp, tc.sampled, tc.err)
				}
			})
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "p sp np adkim aspf pct"
		err  error
	}{
		{"v=DMARC1; p=reject", "reject   r r 100", nil},
		{"v=DMARC1;p=quarantine;sp=none;np=reject;adkim=s;aspf=s;pct=20", "quarantine none reject s s 20", nil},
		{"v=DMARC1; p=REJECT; pct=200; adkim=x", "reject   r r 100", nil},
		{"v=DMARC1; rua=mailto:a@example.com", "none   r r 100", nil},
		{"v=DMARC1; p=bogus", "", dmarc.ErrSyntax},
		// RFC 9989 §4.7 p=: absent, the record reads as p=none (RFC 7489
		// voided it: TestModeRFC7489Records).
		{"v=DMARC1", "none   r r 100", nil},
		{"v=DMARC1; sp=reject; np=bogus", "", dmarc.ErrSyntax},
		{"v=DMARC1; p=reject; np=bogus; rua=mailto:a@example.com", "none   r r 100", nil},
		{"v=DMARC1; p=reject; pct=0", "reject   r r 0", nil},
		{"p=reject; v=DMARC1", "", dmarc.ErrNotDMARC},
		{"v=spf1 -all", "", dmarc.ErrNotDMARC},
		{"v=DMARC1; p=reject; p=none", "", dmarc.ErrSyntax},
		// RFC 7489 §6.4: tag names are ABNF literals, case-insensitive
		// (RFC 5234 §2.3); DMARC1 itself is written %x44... (exact).
		{"V=DMARC1; P=Reject; SP=none; ADKIM=s; Pct=5", "reject none  s r 5", nil},
		{"v=DMARC1; p=reject; P=none", "", dmarc.ErrSyntax},
		{"v=dmarc1; p=reject", "", dmarc.ErrNotDMARC},
		// RFC 7489 §6.6.3 step 6: an invalid sp= voids the record, or
		// makes it p=none when rua= is valid.
		{"v=DMARC1; p=reject; sp=bogus", "", dmarc.ErrSyntax},
		{"v=DMARC1; p=reject; sp=bogus; rua=mailto:a@example.com", "none   r r 100", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := dmarc.Parse(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("Parse(%q) = %+v, %v, want %v", tc.in, r, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
			}
			got := strings.Join([]string{string(r.Policy), string(r.SubdomainPolicy), string(r.NonexistentPolicy), string(r.DKIMAlignment), string(r.SPFAlignment)}, " ") + " " + itoa(r.Percent)
			if got != tc.want {
				t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFromDomains(t *testing.T) {
	h := dkim.Header{
		{Name: "From", Raw: "From: Alice <alice@Example.COM>, bob@example.org\r\n"},
		{Name: "To", Raw: "To: x@example.net\r\n"},
		{Name: "from", Raw: "from: carol@example.com\r\n"},
	}
	if got := strings.Join(dmarc.FromDomains(h), ","); got != "example.com,example.org" {
		t.Errorf("FromDomains = %s, want example.com,example.org", got)
	}
}

// TestFromDomainsFirstLine: a message whose first line is its From field
// written "From : ..." (white space before the colon, RFC 5322 §4.5.3)
// once had that line skipped as an mbox separator, leaving DMARC no From
// domain (none) while mail clients show the From: a spoofer escaped
// p=reject.
func TestFromDomainsFirstLine(t *testing.T) {
	for _, msg := range []string{
		"From : ceo@bank.example\r\nSubject: pay\r\n\r\nbody\r\n",
		"From\t: ceo@bank.example\nSubject: pay\n\nbody\n",
		"From x@y  Thu Aug 22 13:03:00 2002\nFrom : ceo@bank.example\n\nbody\n",
	} {
		h, _, err := dkim.ReadHeader(bufio.NewReader(strings.NewReader(msg)), 0)
		if err != nil {
			t.Fatalf("ReadHeader(%q): %v", msg, err)
		}
		if got := strings.Join(dmarc.FromDomains(h), ","); got != "bank.example" {
			t.Errorf("FromDomains(ReadHeader(%q)) = %q, want bank.example", msg, got)
		}
	}
}

// TestFromDomainsMalformed: a From that net/mail refuses but mail clients
// display still names its domain; skipping it made DMARC none, so a
// spoofer could escape p=reject (RFC 7489 §6.6.1).
func TestFromDomainsMalformed(t *testing.T) {
	for _, tc := range []struct{ from, want string }{
		{"=?x-unknown?q?Bank?= <ceo@bank.example>", "bank.example"},
		{"Bank <ceo@Bank.Example>;", "bank.example"},
		{"ceo@bank.example (Bank", "bank.example"},
		{"Bank <ceo@bank.example> <x@evil.example>", "bank.example,evil.example"},
		{"ceo@bank.example.", "bank.example"},
		{"Bank <ceo@[192.0.2.1]> x", "[192.0.2.1]"},
		{"no address (", ""},
	} {
		t.Run(tc.from, func(t *testing.T) {
			h := dkim.Header{{Name: "From", Raw: "From: " + tc.from + "\r\n"}}
			if got := strings.Join(dmarc.FromDomains(h), ","); got != tc.want {
				t.Errorf("FromDomains(From: %s) = %q, want %q", tc.from, got, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("v=DMARC1; p=reject; sp=none; pct=50; rua=mailto:a@b")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := dmarc.Parse(s)
		if err != nil {
			return
		}
		switch r.Policy {
		case dmarc.PolicyNone, dmarc.PolicyQuarantine, dmarc.PolicyReject:
		default:
			t.Fatalf("Parse(%q).Policy = %q", s, r.Policy)
		}
		if r.Percent < 0 || r.Percent > 100 || (r.DKIMAlignment != dmarc.Relaxed && r.DKIMAlignment != dmarc.Strict) {
			t.Fatalf("Parse(%q) = %+v: out of range", s, r)
		}
		// Round trip: the rendered record parses to the same record.
		again, err := dmarc.Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %v, the String of Parse(%q)", r.String(), err, s)
		}
		// Warnings: one per tag or report URI at most (and the p=
		// fallbacks), each naming a tag.
		if max := strings.Count(s, "=") + strings.Count(s, ",") + 2; len(r.Warnings) > max {
			t.Fatalf("Parse(%q) = %d warnings, more than %d", s, len(r.Warnings), max)
		}
		for _, w := range r.Warnings {
			if w.Tag == "" || w.Text == "" {
				t.Fatalf("Parse(%q): warning %+v without tag or text", s, w)
			}
		}
		r.Warnings, again.Warnings = nil, nil
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("Parse(String(Parse(%q))) = %+v, want %+v", s, again, r)
		}
	})
}

// TestDiscovery checks where the record is looked for in ModeRFC7489
// (RFC 7489 §6.6.3): the From domain, then its organizational domain,
// and not the labels between. TestTreeWalkQueries has ModeRFC9989's.
func TestDiscovery(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: dmarc.ModeRFC7489}
	for _, tc := range []struct {
		from, policyDomain string
		queried            []string
	}{
		{"example.com", "example.com", []string{"_dmarc.example.com."}},
		{"a.b.example.com", "example.com", []string{"_dmarc.a.b.example.com.", "_dmarc.example.com."}},
		{"none.example", "none.example", []string{"_dmarc.none.example."}},
	} {
		t.Run(tc.from, func(t *testing.T) {
			before := map[string]int{}
			for _, q := range []string{"_dmarc.a.b.example.com.", "_dmarc.b.example.com.", "_dmarc.example.com.", "_dmarc.none.example."} {
				before[q] = srv.Count(q, dns.TypeTXT)
			}
			ev, err := e.Evaluate(context.Background(), dmarc.Input{FromDomains: []string{tc.from}})
			if err != nil {
				t.Fatal(err)
			}
			if ev.PolicyDomain != tc.policyDomain || ev.Domain != tc.from {
				t.Errorf("Evaluate(%s).PolicyDomain, Domain = %s, %s, want %s, %s", tc.from, ev.PolicyDomain, ev.Domain, tc.policyDomain, tc.from)
			}
			for q, n := range before {
				want := 0
				for _, w := range tc.queried {
					if w == q {
						want = 1
					}
				}
				if got := srv.Count(q, dns.TypeTXT) - n; got != want {
					t.Errorf("Evaluate(%s) queried %s %d times, want %d", tc.from, q, got, want)
				}
			}
		})
	}
}
