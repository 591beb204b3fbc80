package resolver_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestResolvConfTimeout checks the per-attempt timeout and the attempts
// a Resolver takes from its resolv.conf against a server that answers
// late or never. Timings are not asserted: a server that answers after
// a delay between two candidate timeouts tells them apart by whether the
// lookup succeeds and by the number of queries it received.
func TestResolvConfTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		conf    string
		failure resolvertest.Failure
		delay   time.Duration
		queries int
	}{
		// Between DefaultTimeout (2 s) and resolv.conf(5)'s 5 s: a
		// resolv.conf without a timeout option gives the default, so the
		// lookup times out after one query.
		{name: "no timeout option: DefaultTimeout", conf: "nameserver 192.0.2.53\noptions attempts:1\n", delay: 3500 * time.Millisecond, queries: 1},
		// Between timeout:1 and the default 2 s: each of the 3 attempts
		// times out.
		{name: "timeout:1 and attempts:3 honoured", conf: "options timeout:1 attempts:3\n", delay: 1500 * time.Millisecond, queries: 3},
		// A server that drops every query sees every attempt.
		{name: "attempts:3 against a dropping server", conf: "options timeout:1 attempts:3\n", failure: resolvertest.Drop, queries: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conf := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(conf, []byte(tt.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: "@ 300 IN TXT ok"})
			if tt.failure != resolvertest.Healthy {
				srv.Fail("example.com", resolvertest.AnyType, tt.failure)
			}
			srv.Delay("example.com", resolvertest.AnyType, tt.delay)
			// resolv.conf cannot name a port: the server comes from
			// Servers, timeout and attempts from the file.
			r := &resolver.Resolver{Servers: []string{srv.Addr}, ConfigFile: conf}
			txt, err := r.LookupTXT(context.Background(), "example.com")
			if !errors.Is(err, resolver.ErrTimeout) {
				t.Errorf("LookupTXT = %q, %v, want ErrTimeout", txt, err)
			}
			if n := srv.Count("example.com", dns.TypeTXT); n != tt.queries {
				t.Errorf("server received %d queries, want %d", n, tt.queries)
			}
		})
	}
}
