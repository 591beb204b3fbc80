package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("servfail.example.com", resolvertest.AnyType, resolvertest.ServFail)
	srv.Fail("refused.example.com", resolvertest.AnyType, resolvertest.Refused)
	srv.Fail("dropped.example.com", resolvertest.AnyType, resolvertest.Drop)
	srv.Fail("mx1.example.com", dns.TypeA, resolvertest.Truncate)
	srv.Fail("dual.example.com", dns.TypeAAAA, resolvertest.Spoof)

	ip := netip.MustParseAddr
	tests := []struct {
		name    string
		lookup  func(ctx context.Context, r *resolver.Resolver) (any, error)
		want    any
		wantErr error // sentinel; nil for success
		tcp     bool  // the answer must have come over TCP
	}{
		{
			name:   "TXT strings of one record concatenated, records apart",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) { return r.LookupTXT(ctx, "example.com") },
			want:   []string{"v=spf1 ip4:192.0.2.0/24 -all", "google-site-verification=abc"},
		},
		{
			name: "A",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip4", "dual.example.com")
			},
			want: []netip.Addr{ip("192.0.2.4")},
		},
		{
			name: "AAAA answer survives spoofed replies sent before it",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip6", "dual.example.com")
			},
			want: []netip.Addr{ip("2001:db8::4")},
		},
		{
			name: "ip: A then AAAA",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip", "dual.example.com")
			},
			want: []netip.Addr{ip("192.0.2.4"), ip("2001:db8::4")},
		},
		{
			name: "ip: AAAA only, A is NODATA",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip", "v6only.example.com")
			},
			want: []netip.Addr{ip("2001:db8::6")},
		},
		{
			name: "ip literal returned without a query",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip", "192.0.2.99")
			},
			want: []netip.Addr{ip("192.0.2.99")},
		},
		{
			name: "MX sorted by preference, stable",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				res, err := r.MX(ctx, "example.com")
				return res.Records, err
			},
			want: []resolver.MX{{Host: "mx1.example.com.", Pref: 10}, {Host: "mx2.example.com.", Pref: 20}, {Host: "mx3.example.com.", Pref: 20}},
		},
		{
			name:   "PTR IPv4",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) { return r.LookupAddr(ctx, "192.0.2.4") },
			want:   []string{"dual.example.com.", "alias.example.net."},
		},
		{
			name:   "PTR IPv6",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) { return r.LookupAddr(ctx, "2001:db8::4") },
			want:   []string{"dual.example.com."},
		},
		{
			name: "PTR IPv4-mapped IPv6 is looked up as IPv4",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupAddr(ctx, "::ffff:192.0.2.1")
			},
			want: []string{"mx1.example.com."},
		},
		{
			name: "CNAME chain followed inside the reply",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip4", "www.example.com")
			},
			want: []netip.Addr{ip("192.0.2.4")},
		},
		{
			name: "CNAME to another zone chased with a second query",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip4", "away.example.com")
			},
			want: []netip.Addr{ip("198.51.100.9")},
		},
		{
			name: "CNAME to a missing name is NXDOMAIN (RFC 6604)",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "dangling.example.com")
			},
			wantErr: resolver.ErrNXDomain,
		},
		{
			name: "CNAME loop",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "loop1.example.com")
			},
			wantErr: resolver.ErrCNAMEChain,
		},
		{
			name: "NXDOMAIN",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "nonexistent.example.com")
			},
			wantErr: resolver.ErrNXDomain,
		},
		{
			name: "NODATA",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "mx1.example.com")
			},
			wantErr: resolver.ErrNoData,
		},
		{
			name: "NODATA at an empty non-terminal",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "ent.example.com")
			},
			wantErr: resolver.ErrNoData,
		},
		{
			name: "ip: NXDOMAIN when both say so",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip", "nonexistent.example.com")
			},
			wantErr: resolver.ErrNXDomain,
		},
		{
			name: "ip: NODATA when the name exists",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip", "ent.example.com")
			},
			wantErr: resolver.ErrNoData,
		},
		{
			name: "SERVFAIL",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "servfail.example.com")
			},
			wantErr: resolver.ErrServFail,
		},
		{
			name: "REFUSED injected",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "refused.example.com")
			},
			wantErr: resolver.ErrRefused,
		},
		{
			name:    "REFUSED outside the served zones",
			lookup:  func(ctx context.Context, r *resolver.Resolver) (any, error) { return r.LookupTXT(ctx, "example.net") },
			wantErr: resolver.ErrRefused,
		},
		{
			name: "dropped query times out",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "dropped.example.com")
			},
			wantErr: resolver.ErrTimeout,
		},
		{
			name: "forced truncation retried over TCP",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupNetIP(ctx, "ip4", "mx1.example.com")
			},
			want: []netip.Addr{ip("192.0.2.1")},
			tcp:  true,
		},
		{
			name: "answer over the EDNS0 payload size truncated, retried over TCP",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				txt, err := r.LookupTXT(ctx, "big.example.com")
				return len(txt), err
			},
			want: 6,
			tcp:  true,
		},
		{
			name: "invalid name: empty label",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, "a..example.com")
			},
			wantErr: resolver.ErrInvalidName,
		},
		{
			name: "invalid name: label over 63 octets",
			lookup: func(ctx context.Context, r *resolver.Resolver) (any, error) {
				return r.LookupTXT(ctx, strings.Repeat("a", 64)+".example.com")
			},
			wantErr: resolver.ErrInvalidName,
		},
		{
			name:    "invalid name: empty",
			lookup:  func(ctx context.Context, r *resolver.Resolver) (any, error) { return r.LookupTXT(ctx, "") },
			wantErr: resolver.ErrInvalidName,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := srv.Resolver()
			r.Timeout = 300 * time.Millisecond
			before := len(srv.Queries())
			got, err := tt.lookup(context.Background(), r)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("lookup error = %v, want %v", err, tt.wantErr)
				}
				var re *resolver.Error
				if !errors.As(err, &re) {
					t.Errorf("lookup error %T is not a *resolver.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("lookup error = %v, want nil", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("lookup = %v, want %v", got, tt.want)
			}
			if tt.tcp {
				qs := srv.Queries()[before:]
				if !slices.ContainsFunc(qs, func(q resolvertest.Query) bool { return q.Net == "tcp" }) {
					t.Errorf("queries = %v, want one over TCP", qs)
				}
			}
		})
	}
}

func TestInvalidNameSendsNoQuery(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := srv.Resolver()
	for _, name := range []string{"", "a..b", strings.Repeat("abcdefgh.", 30) + "com"} {
		if _, err := r.LookupTXT(context.Background(), name); !errors.Is(err, resolver.ErrInvalidName) {
			t.Errorf("LookupTXT(%q) error = %v, want ErrInvalidName", name, err)
		}
	}
	if n := srv.Count("", resolvertest.AnyType); n != 0 {
		t.Errorf("server saw %d queries, want 0", n)
	}
}

func TestResultDetail(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Authenticate("dual.example.com")
	r := srv.Resolver()
	ctx := context.Background()

	res, err := r.A(ctx, "WWW.Example.COM")
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != "www.example.com." || res.Canonical != "dual.example.com." {
		t.Errorf("A(www) Name, Canonical = %q, %q, want www.example.com., dual.example.com.", res.Name, res.Canonical)
	}
	if res.TTL != 300*time.Second {
		t.Errorf("A(www) TTL = %v, want 5m0s", res.TTL)
	}
	if res.Authentic {
		t.Errorf("A(www) Authentic = true, want false: the CNAME reply had no AD bit")
	}
	if got, want := res.String(), "www.example.com. -> dual.example.com. [192.0.2.4] ttl=5m0s"; got != want {
		t.Errorf("A(www).String() = %q, want %q", got, want)
	}

	res, err = r.A(ctx, "dual.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authentic {
		t.Errorf("A(dual) Authentic = false, want true (AD bit set by the server)")
	}

	short, err := r.A(ctx, "short.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if short.TTL != 5*time.Second {
		t.Errorf("A(short) TTL = %v, want 5s", short.TTL)
	}

	_, err = r.TXT(ctx, "nonexistent.example.com")
	var re *resolver.Error
	if !errors.As(err, &re) || re.Name != "nonexistent.example.com." || re.Type != "TXT" || re.Server != srv.Addr {
		t.Errorf("TXT(nonexistent) error = %#v, want *Error naming the query and server", err)
	}
	if !resolver.IsNotFound(err) || !resolver.IsNXDomain(err) || resolver.IsTemporary(err) {
		t.Errorf("classification of %v: IsNotFound %t IsNXDomain %t IsTemporary %t, want true true false",
			err, resolver.IsNotFound(err), resolver.IsNXDomain(err), resolver.IsTemporary(err))
	}
}

func TestMaxCNAMEs(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tests := []struct {
		max     int
		wantErr bool
	}{
		{max: 5, wantErr: false}, // c1 -> c2 -> c3 -> c4 -> dual: 4 hops
		{max: 4, wantErr: false},
		{max: 3, wantErr: true},
	}
	for _, tt := range tests {
		r := srv.Resolver()
		r.MaxCNAMEs = tt.max
		_, err := r.A(context.Background(), "c1.example.com")
		if gotErr := errors.Is(err, resolver.ErrCNAMEChain); gotErr != tt.wantErr {
			t.Errorf("MaxCNAMEs %d: A(c1) error = %v, want chain error %t", tt.max, err, tt.wantErr)
		}
	}
}

func TestFailover(t *testing.T) {
	t.Parallel()
	zone := resolvertest.Zone{Origin: "example.com.", Text: "@ 300 IN TXT ok"}
	tests := []struct {
		name    string
		failure resolvertest.Failure
	}{
		{"first server drops", resolvertest.Drop},
		{"first server SERVFAIL", resolvertest.ServFail},
		{"first server REFUSED", resolvertest.Refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := resolvertest.NewServer(t, zone)
			good := resolvertest.NewServer(t, zone)
			bad.Fail("example.com", resolvertest.AnyType, tt.failure)
			r := &resolver.Resolver{Servers: []string{bad.Addr, good.Addr}, Timeout: 200 * time.Millisecond, Attempts: 1}
			txt, err := r.LookupTXT(context.Background(), "example.com")
			if err != nil || len(txt) != 1 || txt[0] != "ok" {
				t.Fatalf("LookupTXT = %q, %v, want [ok], nil", txt, err)
			}
			if bad.Count("example.com", dns.TypeTXT) != 1 || good.Count("example.com", dns.TypeTXT) != 1 {
				t.Errorf("queries bad/good = %d/%d, want 1/1", bad.Count("", 0), good.Count("", 0))
			}
		})
	}
}

func TestAttempts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("example.com", dns.TypeTXT, resolvertest.ServFail)
	for _, attempts := range []int{1, 3} {
		srv.ResetQueries()
		r := srv.Resolver()
		r.Attempts = attempts
		_, err := r.LookupTXT(context.Background(), "example.com")
		if !errors.Is(err, resolver.ErrServFail) {
			t.Errorf("Attempts %d: error = %v, want ErrServFail", attempts, err)
		}
		if n := srv.Count("example.com", dns.TypeTXT); n != attempts {
			t.Errorf("Attempts %d: server saw %d queries, want %d", attempts, n, attempts)
		}
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	zone := resolvertest.Zone{Origin: "example.com.", Text: "@ 300 IN TXT ok"}
	a := resolvertest.NewServer(t, zone)
	b := resolvertest.NewServer(t, zone)
	for _, rotate := range []bool{false, true} {
		a.ResetQueries()
		b.ResetQueries()
		r := &resolver.Resolver{Servers: []string{a.Addr, b.Addr}, Rotate: rotate, Timeout: time.Second}
		for range 10 {
			if _, err := r.LookupTXT(context.Background(), "example.com"); err != nil {
				t.Fatal(err)
			}
		}
		na, nb := a.Count("", 0), b.Count("", 0)
		want := [2]int{10, 0}
		if rotate {
			want = [2]int{5, 5}
		}
		if [2]int{na, nb} != want {
			t.Errorf("Rotate %t: queries per server = %d, %d, want %d, %d", rotate, na, nb, want[0], want[1])
		}
	}
}

func TestTCPOnly(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := srv.Resolver()
	r.TCPOnly = true
	if _, err := r.LookupTXT(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	for _, q := range srv.Queries() {
		if q.Net != "tcp" {
			t.Errorf("query %v not over TCP", q)
		}
	}
}

func TestNoEDNS(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := srv.Resolver()
	r.UDPSize = -1
	// Without EDNS0 the server truncates at 512 octets, so the big
	// answer must come over TCP.
	txt, err := r.LookupTXT(context.Background(), "big.example.com")
	if err != nil || len(txt) != 6 {
		t.Fatalf("LookupTXT(big) = %d records, %v, want 6, nil", len(txt), err)
	}
	if srv.Count("big.example.com", dns.TypeTXT) != 2 {
		t.Errorf("queries = %v, want UDP then TCP", srv.Queries())
	}
}

// TestCancel checks that cancelling the context ends a lookup promptly:
// with a one-hour timeout and a server that never answers, only the
// cancellation can end it.
func TestCancel(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("example.com", resolvertest.AnyType, resolvertest.Drop)
	r := srv.Resolver()
	r.Timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Count("example.com", dns.TypeTXT) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := r.LookupTXT(ctx, "example.com")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("LookupTXT with cancelled context: error = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = r.LookupTXT(ctx, "example.com")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, resolver.ErrTimeout) {
		t.Errorf("LookupTXT past the context deadline: error = %v, want DeadlineExceeded and ErrTimeout", err)
	}

	_, err = r.LookupTXT(ctx, "example.com")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LookupTXT with an expired context: error = %v, want DeadlineExceeded", err)
	}
}

func TestNoServers(t *testing.T) {
	t.Parallel()
	r := &resolver.Resolver{ConfigFile: "testdata/does-not-exist.conf"}
	_, err := r.LookupTXT(context.Background(), "example.com")
	if !errors.Is(err, resolver.ErrNoServers) {
		t.Errorf("LookupTXT with no servers: error = %v, want ErrNoServers", err)
	}
}

func TestIPUnknownNetwork(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if _, err := srv.Resolver().LookupNetIP(context.Background(), "tcp", "example.com"); err == nil {
		t.Errorf("LookupNetIP(tcp) error = nil, want error")
	}
}

func TestTrace(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("mx1.example.com", dns.TypeA, resolvertest.Truncate)
	srv.Fail("dual.example.com", dns.TypeA, resolvertest.Spoof)
	var mu sync.Mutex
	var lines []string
	r := srv.Resolver()
	r.Trace = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	ctx := context.Background()
	r.A(ctx, "mx1.example.com")
	r.A(ctx, "dual.example.com")
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	for _, want := range []string{"truncated over UDP, retrying over TCP", "dropped reply", "reply does not match query", "mx1.example.com. A from " + srv.Addr + ": NOERROR, 1 answers"} {
		if !strings.Contains(all, want) {
			t.Errorf("trace lacks %q; trace:\n%s", want, all)
		}
	}
}

func TestEDNSFallback(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Fail("example.com", dns.TypeTXT, resolvertest.NoEDNS)
	r := srv.Resolver()
	txt, err := r.LookupTXT(context.Background(), "example.com")
	if err != nil || len(txt) != 2 {
		t.Fatalf("LookupTXT from a server without EDNS0 = %q, %v, want 2 records", txt, err)
	}
	// With EDNS0, FORMERR; without, over UDP.
	if n := srv.Count("example.com", dns.TypeTXT); n != 2 {
		t.Errorf("server saw %d queries, want 2", n)
	}
}

// TestUDPReadBound checks that a datagram filling the 4096-octet read
// buffer is treated as cut short and the query retried over TCP, even
// when the client advertised a larger payload.
func TestUDPReadBound(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for range 30 {
		b.WriteString("huge 300 IN TXT \"" + strings.Repeat("y", 200) + "\"\n")
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: b.String()})
	r := srv.Resolver()
	r.UDPSize = 16384
	txt, err := r.LookupTXT(context.Background(), "huge.example.com")
	if err != nil || len(txt) != 30 {
		t.Fatalf("LookupTXT(huge) = %d records, %v, want 30", len(txt), err)
	}
	qs := srv.Queries()
	if len(qs) != 2 || qs[0].Net != "udp" || qs[1].Net != "tcp" {
		t.Errorf("queries = %v, want UDP then TCP", qs)
	}
}
