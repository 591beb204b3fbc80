package spf

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// The openspf RFC 7208 test suite (testdata/rfc7208-tests.yml, a copy of
// ../shared/testdata/spf with its LICENSE), run through the real DNS path:
// each scenario's zonedata is served by resolvertest.
//
// Driver conventions, as the suite's header and the pyspf driver define
// them: SPF-type records are served as TXT records unless the name has
// TXT entries of its own ("TXT: NONE" stands for no TXT record and stops
// that); TIMEOUT makes the queries for the name time out for every type
// without a record listed before it; "explanation: DEFAULT" is the
// checker's default explanation.

const suiteFile = "rfc7208-tests.yml"

type suiteDoc struct {
	Description string               `yaml:"description"`
	Tests       map[string]suiteTest `yaml:"tests"`
	ZoneData    map[string][]any     `yaml:"zonedata"`
}

type suiteTest struct {
	Description string `yaml:"description"`
	Comment     string `yaml:"comment"`
	Spec        any    `yaml:"spec"`
	Helo        string `yaml:"helo"`
	Host        string `yaml:"host"`
	MailFrom    string `yaml:"mailfrom"`
	Result      any    `yaml:"result"`
	Explanation string `yaml:"explanation"`
}

// scenario is one document of the suite, ready to serve.
type scenario struct {
	Description string
	Names       []string // test names, sorted
	Tests       map[string]suiteTest
	Zone        string        // master file
	Timeouts    []timeoutRule // queries to drop
}

type timeoutRule struct {
	name  string
	qtype uint16
}

// loadSuite reads and converts the suite at path.
func loadSuite(tb testing.TB, path string) []scenario {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []scenario
	for {
		var doc suiteDoc
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			tb.Fatalf("%s: %v", path, err)
		}
		sc := scenario{Description: doc.Description, Tests: doc.Tests}
		for n := range doc.Tests {
			sc.Names = append(sc.Names, n)
		}
		slices.Sort(sc.Names)
		sc.Zone, sc.Timeouts, err = suiteZone(doc.ZoneData)
		if err != nil {
			tb.Fatalf("%s: %s: %v", path, doc.Description, err)
		}
		out = append(out, sc)
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no scenarios", path)
	}
	return out
}

var suiteTypes = map[string]uint16{
	"TXT": dns.TypeTXT, "SPF": dns.TypeTXT, "A": dns.TypeA, "AAAA": dns.TypeAAAA,
	"MX": dns.TypeMX, "PTR": dns.TypePTR, "CNAME": dns.TypeCNAME,
}

// suiteZone converts zonedata to a master file and timeout rules.
func suiteZone(data map[string][]any) (string, []timeoutRule, error) {
	var zone strings.Builder
	var timeouts []timeoutRule
	names := make([]string, 0, len(data))
	for n := range data {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		owner := dns.Fqdn(strings.ToLower(name))
		if _, ok := dns.IsDomainName(owner); !ok || !validName(owner) {
			continue // cannot be served (a label over 63 octets): never found
		}
		hdr := func(t uint16) dns.RR_Header {
			return dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
		}
		var rrs, spfs []dns.RR
		hasTXT := false
		seen := map[uint16]bool{}
		for _, e := range data[name] {
			if s, ok := e.(string); ok {
				if s != "TIMEOUT" {
					return "", nil, fmt.Errorf("%s: unknown entry %q", name, s)
				}
				for _, t := range []uint16{dns.TypeTXT, dns.TypeA, dns.TypeAAAA, dns.TypeMX, dns.TypePTR} {
					if !seen[t] {
						timeouts = append(timeouts, timeoutRule{owner, t})
					}
				}
				continue
			}
			m, ok := e.(map[string]any)
			if !ok || len(m) != 1 {
				return "", nil, fmt.Errorf("%s: bad entry %v", name, e)
			}
			for typ, v := range m {
				qt, ok := suiteTypes[typ]
				if !ok {
					return "", nil, fmt.Errorf("%s: unknown type %s", name, typ)
				}
				if typ == "TXT" {
					hasTXT = true
				}
				if v == "NONE" {
					continue
				}
				if typ != "SPF" {
					seen[qt] = true
				}
				rr, err := suiteRR(hdr(qt), typ, v)
				if err != nil {
					return "", nil, fmt.Errorf("%s: %w", name, err)
				}
				if typ == "SPF" {
					spfs = append(spfs, rr)
				} else {
					rrs = append(rrs, rr)
				}
			}
		}
		if !hasTXT {
			// The suite's convention: SPF records double as TXT records.
			rrs = append(rrs, spfs...)
		}
		for _, rr := range rrs {
			zone.WriteString(rr.String())
			zone.WriteByte('\n')
		}
	}
	return zone.String(), timeouts, nil
}

func suiteRR(h dns.RR_Header, typ string, v any) (dns.RR, error) {
	str := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s value %v is not a string", typ, v)
		}
		return s, nil
	}
	switch typ {
	case "TXT", "SPF":
		var parts []string
		switch v := v.(type) {
		case string:
			parts = []string{v}
		case []any:
			for _, p := range v {
				parts = append(parts, fmt.Sprint(p))
			}
		}
		if len(parts) == 0 {
			parts = []string{""} // null text: served as one empty string
		}
		var chunks []string
		for _, p := range parts {
			for len(p) > 255 {
				chunks = append(chunks, p[:255])
				p = p[255:]
			}
			chunks = append(chunks, p)
		}
		return &dns.TXT{Hdr: h, Txt: chunks}, nil
	case "A", "AAAA":
		s, err := str()
		if err != nil {
			return nil, err
		}
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("bad address %q", s)
		}
		if typ == "A" {
			return &dns.A{Hdr: h, A: ip.To4()}, nil
		}
		return &dns.AAAA{Hdr: h, AAAA: ip}, nil
	case "PTR":
		s, err := str()
		if err != nil {
			return nil, err
		}
		return &dns.PTR{Hdr: h, Ptr: dns.Fqdn(s)}, nil
	case "CNAME":
		s, err := str()
		if err != nil {
			return nil, err
		}
		return &dns.CNAME{Hdr: h, Target: dns.Fqdn(s)}, nil
	case "MX":
		l, ok := v.([]any)
		if !ok || len(l) != 2 {
			return nil, fmt.Errorf("bad MX %v", v)
		}
		pref, _ := l[0].(int)
		return &dns.MX{Hdr: h, Preference: uint16(pref), Mx: dns.Fqdn(fmt.Sprint(l[1]))}, nil
	}
	return nil, fmt.Errorf("unknown type %s", typ)
}

// serve starts a server for the scenario.
func (sc *scenario) serve(tb testing.TB) *resolvertest.Server {
	tb.Helper()
	srv := resolvertest.NewServer(tb, resolvertest.Zone{Origin: ".", Text: sc.Zone})
	for _, r := range sc.Timeouts {
		srv.Fail(r.name, r.qtype, resolvertest.Drop)
	}
	return srv
}

// suiteChecker returns the checker the suite runs with: a resolver on
// srv with a short timeout (TIMEOUT entries drop queries), and the
// default explanation the suite calls DEFAULT.
func suiteChecker(srv *resolvertest.Server, noPrefetch bool) *Checker {
	r := srv.Resolver()
	r.Timeout = 300 * time.Millisecond
	return &Checker{
		Resolver:           r,
		DefaultExplanation: "DEFAULT",
		NoPrefetch:         noPrefetch,
		PrefetchAfter:      -1, // prefetch always when on, to exercise it
		RecordQueries:      true,
		Now:                func() time.Time { return time.Unix(1700000000, 0) },
	}
}

// want returns the results the test accepts.
func (t suiteTest) want() []Result {
	switch v := t.Result.(type) {
	case string:
		return []Result{Result(v)}
	case []any:
		var out []Result
		for _, r := range v {
			out = append(out, Result(fmt.Sprint(r)))
		}
		return out
	}
	return nil
}

// run checks one suite test.
func (t suiteTest) run(ctx context.Context, c *Checker) (Outcome, error) {
	ip, err := netip.ParseAddr(t.Host)
	if err != nil {
		return Outcome{}, err
	}
	return c.Check(ctx, ip, t.Helo, reversePath(t.MailFrom))
}

// reversePath renders a sender of the suite as an SMTP client sends it
// in MAIL FROM (RFC 5321 §4.1.2): the suite gives check_host's <sender>,
// whose local-part may hold what only a Quoted-string can carry
// ("Macro Error@e8.example.com" in dorky-sentinel); such a local-part
// is quoted. Check takes the quotes off again for the macros.
func reversePath(sender string) string {
	i := strings.LastIndexByte(sender, '@')
	if i < 0 {
		return sender
	}
	local := sender[:i]
	for j := 0; j < len(local); j++ {
		if !isAtext(local[j]) && local[j] != '.' {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(local) + `"` + sender[i:]
		}
	}
	return sender
}

func runSuite(t *testing.T, path string) (pass, total int) {
	for _, sc := range loadSuite(t, path) {
		t.Run(sc.Description, func(t *testing.T) {
			srv := sc.serve(t)
			c := suiteChecker(srv, false)
			for _, name := range sc.Names {
				tc := sc.Tests[name]
				total++
				t.Run(name, func(t *testing.T) {
					o, err := tc.run(context.Background(), c)
					if err != nil {
						t.Fatal(err)
					}
					want := tc.want()
					ok := slices.Contains(want, o.Result)
					if !ok {
						t.Errorf("Check(%s, %q, %q) = %s, want %v\n%s\n%s", tc.Host, tc.Helo, tc.MailFrom, o, want, tc.Description, tc.Comment)
					}
					// Explanations compare case-insensitively: the suite
					// writes %{ir} of an IPv6 address with upper-case
					// nibbles (v-macro-ip6), where RFC 7208 §7.4's example
					// has lower case; DNS names are case-insensitive.
					if tc.Explanation != "" && !strings.EqualFold(o.Explanation, tc.Explanation) {
						ok = false
						t.Errorf("Check(%s, %q, %q).Explanation = %q, want %q", tc.Host, tc.Helo, tc.MailFrom, o.Explanation, tc.Explanation)
					}
					if ok {
						pass++
					}
				})
			}
		})
	}
	return pass, total
}

// TestSuite runs the whole RFC 7208 test suite, from the package's copy;
// no test is skipped.
func TestSuite(t *testing.T) {
	pass, total := runSuite(t, filepath.Join("testdata", suiteFile))
	t.Logf("RFC 7208 suite: %d/%d passed", pass, total)
	// The package's copy holds 203 tests: a loader that lost some (a
	// scenario it could not read, a YAML change) must not pass silently.
	if total != 203 {
		t.Errorf("RFC 7208 suite ran %d tests, want all 203", total)
	}
}

// TestSuiteShared runs the suite of ../shared/testdata when it differs
// from the package's copy (a newer release), skipping when it is absent.
func TestSuiteShared(t *testing.T) {
	shared := testenv.Shared(t, filepath.Join("spf", suiteFile))
	a, err := os.ReadFile(shared)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", suiteFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Logf("%s is identical to testdata/%s, which TestSuite runs", shared, suiteFile)
		return
	}
	pass, total := runSuite(t, shared)
	t.Logf("shared RFC 7208 suite: %d/%d passed", pass, total)
}
