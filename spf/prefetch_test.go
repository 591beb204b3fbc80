package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// sameOutcome reports how a and b differ, "" when they agree in all
// that evaluation decides: result, mechanism, explanation, counts and
// Err (DNS failures compared by class, their text naming servers).
func sameOutcome(a, b Outcome) string {
	pa, pb := fmt.Sprint(a.Err), fmt.Sprint(b.Err)
	if errors.Is(a.Err, ErrDNS) && errors.Is(b.Err, ErrDNS) {
		pa, pb = "dns", "dns"
	}
	if a.Result != b.Result || a.Mechanism != b.Mechanism || a.Explanation != b.Explanation ||
		a.Lookups != b.Lookups || a.VoidLookups != b.VoidLookups || pa != pb {
		return fmt.Sprintf("%s (err %s) != %s (err %s)", a, pa, b, pb)
	}
	if qa, qb := queryList(a.Queries), queryList(b.Queries); qa != qb {
		return fmt.Sprintf("queries\n%s\n!=\n%s", qa, qb)
	}
	return ""
}

// queryList renders queries with their errors classified (not found,
// other), as the texts of two timeouts may differ.
func queryList(qs []Query) string {
	var b strings.Builder
	for _, q := range qs {
		class := "ok"
		switch {
		case resolver.IsNotFound(q.Err):
			class = "not found"
		case q.Err != nil:
			class = "error"
		}
		fmt.Fprintf(&b, "%s %s %d %s; ", q.Type, q.Name, q.Answers, class)
	}
	return b.String()
}

// TestPrefetchDifferential runs the whole RFC 7208 suite sequentially
// and with prefetch and requires the same outcomes, counts and the list
// of lookups included.
func TestPrefetchDifferential(t *testing.T) {
	for _, sc := range loadSuite(t, filepath.Join("testdata", suiteFile)) {
		t.Run(sc.Description, func(t *testing.T) {
			srv := sc.serve(t)
			seq, par := suiteChecker(srv, true), suiteChecker(srv, false)
			for _, name := range sc.Names {
				tc := sc.Tests[name]
				a, err := tc.run(context.Background(), seq)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := tc.run(context.Background(), par)
				if d := sameOutcome(a, b); d != "" {
					t.Errorf("%s: sequential vs prefetch: %s", name, d)
				}
			}
		})
	}
}

// TestPrefetchOverlaps checks that prefetch overlaps the lookups of
// an include-heavy record: with 4 includes and one mx at 30 ms a query,
// the sequential walk needs about 9 round trips, prefetch about 3. It
// asserts query overlap on the server, not timings.
func TestPrefetchOverlaps(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
wide.test.  TXT "v=spf1 include:i1.test include:i2.test include:i3.test mx include:i4.test -all"
wide.test.  MX  10 mx.wide.test.
mx.wide.test. A 198.51.100.99
i1.test. TXT "v=spf1 ip4:203.0.113.1 -all"
i2.test. TXT "v=spf1 ip4:203.0.113.2 -all"
i3.test. TXT "v=spf1 ip4:203.0.113.3 -all"
i4.test. TXT "v=spf1 a:host.i4.test -all"
host.i4.test. A 192.0.2.44
`})
	srv.SetLatency(30 * time.Millisecond)
	ip := netip.MustParseAddr("192.0.2.44")
	seq := &Checker{Resolver: srv.Resolver(), NoPrefetch: true}
	par := &Checker{Resolver: srv.Resolver()}
	a := must(t)(seq.Check(context.Background(), ip, "h.test", "x@wide.test"))
	seqQueries := srv.Count(".", resolvertest.AnyType)
	srv.ResetQueries()
	start := time.Now()
	b := must(t)(par.Check(context.Background(), ip, "h.test", "x@wide.test"))
	elapsed := time.Since(start)
	if d := sameOutcome(a, b); d != "" || a.Result != Pass {
		t.Fatalf("wide.test: %s; sequential %s", d, a)
	}
	parQueries := srv.Count(".", resolvertest.AnyType)
	if parQueries != seqQueries {
		t.Errorf("prefetch made %d queries, sequential %d; want the same set here", parQueries, seqQueries)
	}
	t.Logf("prefetch: %d queries in %v (sequential needs %d round trips of 30 ms)", parQueries, elapsed, seqQueries)
}

// TestNoGoroutineLeak runs pathological checks with prefetch, some cut
// short by their timeout, and requires the goroutine count to come back.
func TestNoGoroutineLeak(t *testing.T) {
	var giant strings.Builder
	giant.WriteString("v=spf1")
	for i := range 400 {
		fmt.Fprintf(&giant, " ip4:203.0.%d.%d", i/250, i%250)
	}
	giant.WriteString(" a -all")
	var zone strings.Builder
	zone.WriteString(`
loop.test.   TXT "v=spf1 include:loop.test include:loop2.test -all"
loop2.test.  TXT "v=spf1 redirect=loop.test"
voids.test.  TXT "v=spf1 a:n1.voids.test mx:n2.voids.test exists:n3.voids.test include:n4.voids.test -all"
slow.test.   TXT "v=spf1 include:s1.test include:s2.test mx:s3.test -all"
s1.test.     TXT "v=spf1 -all"
s2.test.     TXT "v=spf1 -all"
s3.test.     MX 10 mx.s3.test.
mx.s3.test.  A 192.0.2.1
`)
	// A TXT record of some 6 kB, in strings of at most 255 octets.
	zone.WriteString("giant.test. TXT")
	g := giant.String()
	for len(g) > 0 {
		n := min(len(g), 255)
		fmt.Fprintf(&zone, " %q", g[:n])
		g = g[n:]
	}
	zone.WriteString("\ngiant.test. A 192.0.2.77\n")
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: zone.String()})
	srv.Delay("s2.test", resolvertest.AnyType, 400*time.Millisecond)
	base := runtime.NumGoroutine()
	c := &Checker{Resolver: srv.Resolver(), PrefetchAfter: -1, Timeout: 100 * time.Millisecond}
	ip := netip.MustParseAddr("192.0.2.77")
	for _, tc := range []struct {
		from string
		want Result
		err  error
	}{
		{"x@loop.test", PermError, ErrTooManyLookups},
		{"x@voids.test", PermError, ErrTooManyVoidLookups},
		{"x@slow.test", TempError, ErrDNS},
		{"x@giant.test", Pass, nil},
	} {
		o := must(t)(c.Check(context.Background(), ip, "h.test", tc.from))
		if o.Result != tc.want || !errors.Is(o.Err, tc.err) {
			t.Errorf("Check(%s, %s) = %s, want %s (%v)", ip, tc.from, o, tc.want, tc.err)
		}
	}
	deadline := time.Now().Add(3 * time.Second) // the server's delayed reply ends too
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after the checks, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}
