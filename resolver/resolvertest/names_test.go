package resolvertest_test

import (
	"context"
	"testing"

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
