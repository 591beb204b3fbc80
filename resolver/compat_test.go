package resolver_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// lookuper is the consumer-side interface that check packages declare:
// both *net.Resolver and *resolver.Resolver satisfy it.
type lookuper interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

var (
	_ lookuper = (*net.Resolver)(nil)
	_ lookuper = (*resolver.Resolver)(nil)
)

// netResolver returns a pure-Go net.Resolver that sends every query to srv.
func netResolver(srv *resolvertest.Server) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, srv.Addr)
		},
	}
}

// TestAgreesWithNetResolver runs the same lookups through net.Resolver
// and our resolver against the same server and compares what they return
// and how their errors classify.
func TestAgreesWithNetResolver(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ours := srv.Resolver()
	theirs := netResolver(srv)
	names := []string{
		"example.com.", "mx1.example.com.", "dual.example.com.", "v6only.example.com.",
		// Not away.example.com: its CNAME leads out of the zone and the
		// server leaves the target to the client. We chase it (a stub
		// talking to an authoritative server must); net.Resolver expects
		// a recursive server to have done so and reports no such host.
		// TestLookup covers our behaviour.
		"www.example.com.", "nonexistent.example.com.", "ent.example.com.",
		"b.ent.example.com.", "big.example.com.", "dangling.example.com.",
	}
	type lookup struct {
		kind string
		do   func(r lookuper, name string) (any, error)
	}
	sorted := func(s []string) []string { slices.Sort(s); return s }
	lookups := []lookup{
		{"TXT", func(r lookuper, name string) (any, error) {
			txt, err := r.LookupTXT(context.Background(), name)
			return sorted(txt), err
		}},
		{"MX", func(r lookuper, name string) (any, error) {
			mx, err := r.LookupMX(context.Background(), name)
			var out []string
			for _, m := range mx {
				out = append(out, fmt.Sprintf("%d %s", m.Pref, m.Host))
			}
			return sorted(out), err
		}},
		{"ip", func(r lookuper, name string) (any, error) {
			ips, err := r.LookupNetIP(context.Background(), "ip", name)
			slices.SortFunc(ips, netip.Addr.Compare)
			return ips, err
		}},
		{"ip4", func(r lookuper, name string) (any, error) { return r.LookupNetIP(context.Background(), "ip4", name) }},
		{"ip6", func(r lookuper, name string) (any, error) { return r.LookupNetIP(context.Background(), "ip6", name) }},
	}
	for _, name := range names {
		for _, l := range lookups {
			t.Run(l.kind+" "+name, func(t *testing.T) {
				want, wantErr := l.do(theirs, name)
				got, err := l.do(ours, name)
				if (err != nil) != (wantErr != nil) {
					t.Fatalf("ours error = %v, net.Resolver error = %v", err, wantErr)
				}
				if err != nil {
					if resolver.IsNotFound(err) != resolver.IsNotFound(wantErr) {
						t.Errorf("IsNotFound: ours (%v) %t, net.Resolver (%v) %t", err, resolver.IsNotFound(err), wantErr, resolver.IsNotFound(wantErr))
					}
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("ours = %v, net.Resolver = %v", got, want)
				}
			})
		}
	}
	for _, addr := range []string{"192.0.2.1", "192.0.2.4", "2001:db8::4", "192.0.2.200"} {
		t.Run("PTR "+addr, func(t *testing.T) {
			want, wantErr := theirs.LookupAddr(context.Background(), addr)
			got, err := ours.LookupAddr(context.Background(), addr)
			if (err != nil) != (wantErr != nil) || fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Errorf("ours = %v, %v; net.Resolver = %v, %v", got, err, want, wantErr)
			}
		})
	}
}

func TestClassifyNetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err                 error
		notFound, temporary bool
	}{
		{&net.DNSError{Err: "no such host", IsNotFound: true}, true, false},
		{&net.DNSError{Err: "server misbehaving", IsTemporary: true}, false, true},
		{&net.DNSError{Err: "i/o timeout", IsTimeout: true}, false, true},
		{fmt.Errorf("wrapped: %w", &net.DNSError{IsNotFound: true}), true, false},
		{nil, false, false},
	}
	for _, tt := range tests {
		if got := resolver.IsNotFound(tt.err); got != tt.notFound {
			t.Errorf("IsNotFound(%v) = %t, want %t", tt.err, got, tt.notFound)
		}
		if got := resolver.IsTemporary(tt.err); got != tt.temporary {
			t.Errorf("IsTemporary(%v) = %t, want %t", tt.err, got, tt.temporary)
		}
	}
}
