package resolvertest_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestZoneNamesNormalised checks that a master-file name written with
// escapes is the name a query carries: \098 is b (RFC 1035 §5.1).
func TestZoneNamesNormalised(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com.", Text: `
a\098c  IN TXT "escaped owner"
q\032s  IN TXT "escaped space"
alias   IN CNAME \100st
dst     IN TXT "escaped target"
`})
	r := srv.Resolver()
	for _, tt := range []struct{ name, want string }{
		{"abc.example.com", "escaped owner"},
		{"ABC.example.com", "escaped owner"},
		{"q s.example.com", "escaped space"},
		{"alias.example.com", "escaped target"},
	} {
		txt, err := r.LookupTXT(context.Background(), tt.name)
		if err != nil || len(txt) != 1 || txt[0] != tt.want {
			t.Errorf("LookupTXT(%q) = %q, %v, want [%q]", tt.name, txt, err, tt.want)
		}
	}
}

// TestNamesKeepOctets checks that the server keys names by their octets
// with ASCII letters folded and nothing else (RFC 4343 §3, RFC 2181 §11):
// names that differ in an octet over 0x7F, in invalid UTF-8 or only in
// Unicode case are different names, for records, rules and counts.
func TestNamesKeepOctets(t *testing.T) {
	t.Parallel()
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "example.com."})
	names := []string{
		"b\xfe.example.com", "b\xfd.example.com", "b\xef\xbf\xbd.example.com",
		"\xc4\xb0x.example.com", "ix.example.com", "\xc3\x84.example.com", "\xc3\xa4.example.com",
	}
	for i, n := range names {
		if err := srv.AddA(n, time.Hour, netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})); err != nil {
			t.Fatal(err)
		}
	}
	srv.Fail("B\xfe.EXAMPLE.com", resolvertest.TypeA, resolvertest.ServFail)
	r := srv.Resolver()
	for i, n := range names {
		res, err := r.A(context.Background(), upperASCII(n))
		if i == 0 {
			if !errors.Is(err, resolver.ErrServFail) {
				t.Errorf("A(%q) error = %v, want ErrServFail (Fail for its upper-case spelling)", n, err)
			}
			continue
		}
		if want := netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}); err != nil || !slices.Equal(res.Records, []netip.Addr{want}) {
			t.Errorf("A(%q) = %v, %v, want [%v]", n, res.Records, err, want)
		}
	}
	for _, n := range names {
		if got := srv.Count(n, resolvertest.TypeA); got != 1 {
			t.Errorf("Count(%q, A) = %d, want 1", n, got)
		}
	}
	if qs := srv.Queries(); len(qs) != len(names) || qs[0].Name != "b\xfe.example.com." || qs[3].Name != "\xc4\xb0x.example.com." {
		t.Errorf("Queries() = %q, want the names asked, ASCII letters lower case", qs)
	}
}

// upperASCII folds the ASCII letters of s to upper case, and nothing
// else (strings.ToUpper would map invalid UTF-8 to U+FFFD).
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
