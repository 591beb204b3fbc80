package rbl

import (
	"os"
	"testing"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// newServer serves testdata/lists.zone at the root.
func newServer(t *testing.T) *resolvertest.Server {
	t.Helper()
	b, err := os.ReadFile("testdata/lists.zone")
	if err != nil {
		t.Fatal(err)
	}
	return resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: string(b)})
}

func mustLists(t testing.TB, s string) []List {
	t.Helper()
	l, err := ParseLists(s)
	if err != nil {
		t.Fatalf("ParseLists(%q): %v", s, err)
	}
	return l
}
