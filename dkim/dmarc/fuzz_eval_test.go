package dmarc_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/dmarc"
)

// mapResolver answers TXT lookups from a map (name without the final
// dot), NXDOMAIN otherwise, "fail." names with a temporary failure, and
// counts the lookups of each name.
type mapResolver struct {
	txt   map[string][]string
	mu    sync.Mutex
	calls map[string]int
}

func (r *mapResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	r.mu.Lock()
	r.calls[name]++
	r.mu.Unlock()
	if strings.Contains(name, "fail.") {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	if t, ok := r.txt[strings.ToLower(name)]; ok {
		return t, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// FuzzEvaluateTreeWalk evaluates arbitrary From domains and DKIM
// domains against records placed at arbitrary names, in ModeRFC9989.
// Properties: no name is looked up twice in one evaluation; the lookups
// stay within MaxLookups; the result is a registered token; a pass has an
// aligned identifier, and one that aligns strictly is the From domain
// itself; a fail's disposition is never milder than none nor stricter
// than the policy; the evaluation agrees with itself when run again.
func FuzzEvaluateTreeWalk(f *testing.F) {
	f.Add("a.b.example.com", "mail.example.com", "example.com", "v=DMARC1; p=reject", "com", "v=DMARC1; p=none; psd=y")
	f.Add("x.agency.gov", "agency.gov", "gov", "v=DMARC1; p=quarantine; psd=y", "agency.gov", "v=DMARC1; p=reject; adkim=s")
	f.Add("a.b.c.d.e.f.g.h.i.j.example.com", "example.com", "d.e.f.g.h.i.j.example.com", "v=DMARC1; p=reject; psd=n", "fail.example.com", "")
	f.Add("www.shop.co.example", "evil.co.example", "co.example", "v=DMARC1; psd=y; t=y", "shop.co.example", "v=DMARC1; p=reject; sp=none")
	f.Fuzz(func(t *testing.T, from, d, n1, r1, n2, r2 string) {
		r := &mapResolver{txt: map[string][]string{
			"_dmarc." + strings.ToLower(n1): {r1},
			"_dmarc." + strings.ToLower(n2): {r2},
		}, calls: map[string]int{}}
		e := &dmarc.Evaluator{Resolver: r}
		in := dmarc.Input{FromDomains: []string{from}, DKIM: []dkim.Outcome{{Result: dkim.Pass, Domain: d}}}
		o, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		total := 0
		for name, n := range r.calls {
			total += n
			if n > 1 {
				t.Fatalf("Evaluate(%q, d=%q) looked %s up %d times", from, d, name, n)
			}
		}
		if total > dmarc.DefaultMaxLookups {
			t.Fatalf("Evaluate(%q, d=%q): %d lookups", from, d, total)
		}
		switch o.Result {
		case dmarc.Pass:
			if !o.DKIMAligned || o.Record == nil {
				t.Fatalf("Evaluate(%q, d=%q) = pass without an aligned identifier: %v", from, d, o)
			}
			// Strict: only the From domain itself (compared here for
			// ASCII names; Domain is in A-labels).
			if a := strings.ToLower(strings.TrimSuffix(d, ".")); o.Record.DKIMAlignment == dmarc.Strict && isASCII(a) && a != o.Domain {
				t.Fatalf("Evaluate(%q, d=%q) = strict pass for From domain %q", from, d, o.Domain)
			}
		case dmarc.Fail:
			if o.Record == nil {
				t.Fatalf("Evaluate(%q, d=%q) = fail without a record", from, d)
			}
			if rank(o.Disposition) > rank(dmarc.Disposition(o.Policy)) {
				t.Fatalf("Evaluate(%q, d=%q): disposition %s above policy %s", from, d, o.Disposition, o.Policy)
			}
		case dmarc.None, dmarc.TempError, dmarc.PermError:
		default:
			t.Fatalf("Evaluate(%q, d=%q) = %q", from, d, o.Result)
		}
		again, _ := e.Evaluate(context.Background(), in)
		if again.Result != o.Result || again.Disposition != o.Disposition || again.PolicyDomain != o.PolicyDomain {
			t.Fatalf("Evaluate(%q, d=%q) = %v, then %v", from, d, o, again)
		}
	})
}

func rank(d dmarc.Disposition) int {
	switch d {
	case dmarc.DispositionReject:
		return 2
	case dmarc.DispositionQuarantine:
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
