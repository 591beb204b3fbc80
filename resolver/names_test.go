package resolver_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestNamesKeepOctets checks that a name is asked, keyed and returned as
// its raw octets with ASCII letters folded and nothing else changed
// (RFC 4343 §3, RFC 2181 §11): an octet over 0x7F is no letter, whatever
// it means in UTF-8, and invalid UTF-8 is no reason to change it. SPF
// macros put the SMTP sender's octets into names (RFC 7208 §7.3), so a
// name changed on the way would let one sender's name answer for another.
func TestNamesKeepOctets(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example."})
	addr := func(i byte) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, i}) }
	for _, rec := range []struct {
		name string
		i    byte
	}{
		{"a\xff.example", 1},
		{"a\xef\xbf\xbd.example", 99}, // what U+FFFD substitution made of the name above
		{"\xc4\xb0x.example", 2},      // "İx": U+0130 is no ASCII letter
		{"ix.example", 98},            // what Unicode case mapping made of it
		{"b\xfe.example", 3},
		{"b\xfd.example", 4},
		{"\xc3\x84.example", 5}, // "Ä"
		{"\xc3\xa4.example", 6}, // "ä": another name (RFC 4343 §3: ASCII only)
	} {
		if err := srv.AddA(rec.name, time.Hour, addr(rec.i)); err != nil {
			t.Fatal(err)
		}
	}
	r := srv.Resolver()
	r.Cache = resolver.NewCache(resolver.CacheOptions{})
	ctx := context.Background()
	tests := []struct {
		ask   string // name looked up
		asked string // name the server saw and Result.Name
		want  byte   // last octet of the address
	}{
		{"A\xff.example", "a\xff.example.", 1},
		{"\xc4\xb0X.EXAMPLE", "\xc4\xb0x.example.", 2},
		{"B\xfe.example", "b\xfe.example.", 3},
		{"B\xfd.example", "b\xfd.example.", 4},
		{"\xc3\x84.example", "\xc3\x84.example.", 5},
		{"\xc3\xa4.example", "\xc3\xa4.example.", 6},
	}
	for _, tt := range tests {
		srv.ResetQueries()
		res, err := r.A(ctx, tt.ask)
		if err != nil || !slices.Equal(res.Records, []netip.Addr{addr(tt.want)}) {
			t.Errorf("A(%q) = %v, %v, want [%v]", tt.ask, res.Records, err, addr(tt.want))
		}
		if res.Name != tt.asked {
			t.Errorf("A(%q).Name = %q, want %q", tt.ask, res.Name, tt.asked)
		}
		qs := srv.Queries()
		if len(qs) != 1 || qs[0].Name != tt.asked {
			t.Errorf("A(%q) asked %q, want one query for %q", tt.ask, qs, tt.asked)
		}
		// Asked again, the answer comes from the name's own entry.
		srv.ResetQueries()
		if res, err := r.A(ctx, tt.ask); err != nil || !slices.Equal(res.Records, []netip.Addr{addr(tt.want)}) {
			t.Errorf("A(%q) from the cache = %v, %v, want [%v]", tt.ask, res.Records, err, addr(tt.want))
		}
		if n := srv.Count("", resolvertest.AnyType); n != 0 {
			t.Errorf("A(%q) again: %d queries, want 0 (cached)", tt.ask, n)
		}
		if !r.Cached(tt.ask, resolvertest.TypeA) {
			t.Errorf("Cached(%q, A) = false after its lookup", tt.ask)
		}
	}
	if got, want := r.Cache.Len(), len(tests); got != want {
		t.Errorf("Cache.Len() = %d, want %d (one entry per distinct name)", got, want)
	}
}
