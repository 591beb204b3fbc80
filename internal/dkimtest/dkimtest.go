// Package dkimtest holds the test fixtures shared by spamkit's dkim,
// dkim/arc and dkim/dmarc tests and by the bench module: the TEST-ONLY
// signing keys of dkim/testdata/keys, the zone of their public records
// (dkim/testdata/keys.zone), and the interop fixtures made by
// dkim/testdata/gen-fixtures.sh.
package dkimtest

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/testenv"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// FixtureTime is a clock for verifying the committed fixtures: after
// they were signed (November 2026), before any x= they carry.
var FixtureTime = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// Dir returns the path of dkim/testdata.
func Dir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(testenv.RepoRoot(tb), "dkim", "testdata")
}

// Key returns the TEST-ONLY private key dkim/testdata/keys/name.pem
// (rsa2048, rsa1024, rsa512, ed25519).
func Key(tb testing.TB, name string) crypto.Signer {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(tb), "keys", name+".pem"))
	if err != nil {
		tb.Fatal(err)
	}
	k, err := dkim.ParsePrivateKey(b)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return k
}

// Zone returns the zone of the test keys' public records, to serve with
// resolvertest (origin ".").
func Zone(tb testing.TB) resolvertest.Zone {
	tb.Helper()
	return resolvertest.ZoneFile(tb, ".", filepath.Join(Dir(tb), "keys.zone"))
}

// Server starts a resolvertest server with the key zone and any extra
// zones. Zones with the same origin are served as one (the server would
// serve only one of them).
func Server(tb testing.TB, extra ...resolvertest.Zone) *resolvertest.Server {
	tb.Helper()
	zones := []resolvertest.Zone{Zone(tb)}
next:
	for _, z := range extra {
		for i := range zones {
			if strings.EqualFold(zones[i].Origin, z.Origin) {
				zones[i].Text += "\n$ORIGIN " + z.Origin + "\n" + z.Text
				continue next
			}
		}
		zones = append(zones, z)
	}
	return resolvertest.NewServer(tb, zones...)
}

// Read returns the contents of dkim/testdata/rel.
func Read(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Glob returns the paths, relative to dkim/testdata, matching pattern,
// failing tb when there are none (a test must not pass without its
// data).
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	dir := Dir(tb)
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) == 0 {
		tb.Fatalf("no fixtures match %s in %s (%v)", pattern, dir, err)
	}
	for i := range m {
		m[i], _ = filepath.Rel(dir, m[i])
	}
	return m
}
