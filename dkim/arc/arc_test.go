package arc_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestInteropDKIMPy verifies the chains sealed by dkimpy's arc_sign
// (dkim/testdata/gen-fixtures.sh): 1 to 3 hops, the second hop a list
// that changes the subject and body, and a chain tampered with after
// the third hop.
func TestInteropDKIMPy(t *testing.T) {
	srv := dkimtest.Server(t)
	for _, tc := range []struct {
		file       string
		want       arc.Result
		instances  int
		oldestPass int
		failed     int
		err        error
	}{
		{"interop/arc-1.eml", arc.Pass, 1, 1, 0, nil},
		{"interop/arc-2.eml", arc.Pass, 2, 2, 0, nil},
		{"interop/arc-3.eml", arc.Pass, 3, 2, 0, nil},
		{"interop/arc-3-tampered.eml", arc.Fail, 3, 0, 3, arc.ErrMessageSignature},
		{"interop/dkimpy-plain-rsa-sha256-relaxed-relaxed.eml", arc.None, 0, 0, 0, nil},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			v := &arc.Verifier{Resolver: srv.Resolver()}
			got, err := v.Verify(context.Background(), bytes.NewReader(dkimtest.Read(t, tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if got.Result != tc.want || got.Instances != tc.instances || got.OldestPass != tc.oldestPass || got.FailedInstance != tc.failed ||
				tc.err != nil && !errors.Is(got.Err, tc.err) || tc.err == nil && got.Err != nil {
				t.Errorf("Verify(%s) = %s n=%d oldest-pass=%d failed=%d err=%v, want %s %d %d %d %v",
					tc.file, got.Result, got.Instances, got.OldestPass, got.FailedInstance, got.Err, tc.want, tc.instances, tc.oldestPass, tc.failed, tc.err)
			}
			if tc.instances > 0 && got.Sets[0].Results.ServID != "mx.example.org" {
				t.Errorf("Verify(%s).Sets[0].Results.ServID = %q, want mx.example.org", tc.file, got.Sets[0].Results.ServID)
			}
		})
	}
}

func seal(t *testing.T, s *arc.Sealer, msg []byte, cv arc.Result) []byte {
	t.Helper()
	fields, err := s.Seal(bytes.NewReader(msg), []authres.Result{{Method: "dkim", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "d", Value: "example.com"}}}}, cv)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return append([]byte(fields), msg...)
}

func sealers(t *testing.T) []*arc.Sealer {
	now := func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }
	return []*arc.Sealer{
		{Domain: "example.org", Selector: "rsa2048", Key: dkimtest.Key(t, "rsa2048"), AuthServID: "mx.example.org", Now: now},
		{Domain: "example.net", Selector: "ed", Key: dkimtest.Key(t, "ed25519"), AuthServID: "lists.example.net", Now: now},
	}
}

// TestSealVerify seals a message for one hop, then on top of dkimpy's
// three-hop chain, and verifies both.
func TestSealVerify(t *testing.T) {
	srv := dkimtest.Server(t)
	v := &arc.Verifier{Resolver: srv.Resolver()}
	for _, s := range sealers(t) {
		t.Run(s.Domain, func(t *testing.T) {
			one := seal(t, s, dkimtest.Read(t, "messages/plain.eml"), arc.None)
			four := seal(t, s, dkimtest.Read(t, "interop/arc-3.eml"), arc.Pass)
			for name, msg := range map[string][]byte{"one hop": one, "fourth hop": four} {
				got, err := v.Verify(context.Background(), bytes.NewReader(msg))
				if err != nil || got.Result != arc.Pass {
					t.Errorf("Verify(%s sealed by %s) = %s, %v (%v)", name, s.Domain, got.Result, got.Err, err)
				}
			}
		})
	}
}

// errAMSSignsSeal marks the case of TestChainFailures whose error text
// is checked too.
var errAMSSignsSeal = errors.New("AMS signs ARC-Seal")

// TestChainFailures checks structural failures and the set limit.
func TestChainFailures(t *testing.T) {
	srv := dkimtest.Server(t)
	chain := string(dkimtest.Read(t, "interop/arc-3.eml"))
	drop := func(re string) string { return regexp.MustCompile(re).ReplaceAllString(chain, "") }
	for _, tc := range []struct {
		name string
		msg  string
		v    arc.Verifier
		err  error
	}{
		{"missing AAR 2", drop(`(?m)^ARC-Authentication-Results: i=2;[^\r]*\r\n(\s[^\r]*\r\n)*`), arc.Verifier{}, arc.ErrStructure},
		{"set 2 removed", drop(`(?m)^ARC-[A-Za-z-]+: i=2;[^\r]*\r\n(\s[^\r]*\r\n)*`), arc.Verifier{}, arc.ErrStructure},
		{"duplicate seal", strings.Replace(chain, "ARC-Seal: i=3;", "ARC-Seal: i=2; cv=pass; a=rsa-sha256; d=x; s=y; b=AAAA\r\nARC-Seal: i=3;", 1), arc.Verifier{}, arc.ErrStructure},
		{"cv=fail on top", strings.Replace(chain, "ARC-Seal: i=3; cv=pass", "ARC-Seal: i=3; cv=fail", 1), arc.Verifier{}, arc.ErrChainFailed},
		{"cv=none above 1", strings.Replace(chain, "ARC-Seal: i=2; cv=pass", "ARC-Seal: i=2; cv=none", 1), arc.Verifier{}, arc.ErrStructure},
		{"seal 1 altered", regexp.MustCompile(`(ARC-Seal: i=1;[^b]*t=179550000)0`).ReplaceAllString(chain, "${1}1"), arc.Verifier{}, arc.ErrSeal},
		{"more sets than MaxSets", chain, arc.Verifier{MaxSets: 2}, arc.ErrTooManySets},
		{"instance over 50", strings.Replace(chain, "ARC-Seal: i=3;", "ARC-Seal: i=51;", 1), arc.Verifier{}, arc.ErrTooManySets},
		{"AMS 3 signs ARC-Seal", strings.Replace(chain, "content-type : from;", "content-type : from : arc-seal;", 1), arc.Verifier{}, errAMSSignsSeal},
		{"AMS 3 rsa-sha1", strings.Replace(chain, "ARC-Message-Signature: i=3; a=rsa-sha256;", "ARC-Message-Signature: i=3; a=rsa-sha1;", 1), arc.Verifier{}, dkim.ErrSHA1},
		{"instance 0", strings.Replace(chain, "ARC-Seal: i=3;", "ARC-Seal: i=0;", 1), arc.Verifier{}, arc.ErrStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.Resolver = srv.Resolver()
			got, err := v.Verify(context.Background(), strings.NewReader(tc.msg))
			want := tc.err
			if want == errAMSSignsSeal {
				// The message signature is also broken by the change; the
				// check of h= must come first and say so.
				want = arc.ErrMessageSignature
				if got.Err == nil || !strings.Contains(got.Err.Error(), "signs ARC-Seal") {
					t.Errorf("Verify(%s).Err = %v, want it to name the signed ARC-Seal", tc.name, got.Err)
				}
			}
			if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, want) {
				t.Errorf("Verify(%s) = %s, %v (%v), want fail %v", tc.name, got.Result, got.Err, err, want)
			}
		})
	}
}

// TestSealLimit builds a chain of 50 sets (RFC 8617 §4.2.1), which
// verifies, and checks that a 51st set is refused by the sealer and, when
// forged, by the verifier.
func TestSealLimit(t *testing.T) {
	srv := dkimtest.Server(t)
	s := sealers(t)[1]
	msg := dkimtest.Read(t, "messages/plain.eml")
	cv := arc.None
	for range arc.MaxSets {
		msg = seal(t, s, msg, cv)
		cv = arc.Pass
	}
	v := &arc.Verifier{Resolver: srv.Resolver()}
	got, err := v.Verify(context.Background(), bytes.NewReader(msg))
	if err != nil || got.Result != arc.Pass || got.Instances != arc.MaxSets {
		t.Errorf("Verify(50 sets) = %s n=%d %v (%v), want pass n=50", got.Result, got.Instances, got.Err, err)
	}
	if n := srv.Count("ed._domainkey.example.net.", dns.TypeTXT); n != 1 {
		t.Errorf("Verify(50 sets) fetched the shared key %d times, want 1", n)
	}
	if _, err := s.Seal(bytes.NewReader(msg), nil, arc.Pass); !errors.Is(err, arc.ErrTooManySets) {
		t.Errorf("Seal(50 sets) = %v, want ErrTooManySets", err)
	}
	forged := append([]byte("ARC-Seal: i=51; cv=pass; a=ed25519-sha256; d=example.net; s=ed; b=AAAA\r\n"+
		"ARC-Message-Signature: i=51; a=ed25519-sha256; d=example.net; s=ed; h=from; bh=AAAA; b=AAAA\r\n"+
		"ARC-Authentication-Results: i=51; x; arc=pass\r\n"), msg...)
	got, err = v.Verify(context.Background(), bytes.NewReader(forged))
	if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, arc.ErrTooManySets) {
		t.Errorf("Verify(51 sets) = %s %v (%v), want fail ErrTooManySets", got.Result, got.Err, err)
	}
}

// hopSeal passes msg through hop number hop (0-based) of a three-hop
// path: example.org, a list at example.net that tags the subject and
// adds a footer, and relay.example.com; each verifies the incoming chain
// and seals with the key named k.
func hopSeal(t *testing.T, srv *resolvertest.Server, k string, hop int, msg []byte) []byte {
	t.Helper()
	domains := []string{"example.org", "example.net", "relay.example.com"}
	sel := map[string]string{"rsa2048": "rsa2048", "ed25519": "ed"}[k]
	in, err := (&arc.Verifier{Resolver: srv.Resolver()}).Verify(context.Background(), bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if hop == 1 {
		msg = bytes.Replace(msg, []byte("Subject: "), []byte("Subject: [list] "), 1)
		msg = append(msg, "-- \r\nlist footer\r\n"...)
	}
	s := &arc.Sealer{Domain: domains[hop], Selector: sel, Key: dkimtest.Key(t, k), AuthServID: "mx." + domains[hop],
		Now: func() time.Time { return time.Date(2026, 11, 24, 12, hop, 0, 0, time.UTC) }}
	ar := in.AuthResult()
	fields, err := s.Seal(bytes.NewReader(msg), []authres.Result{ar}, in.Result)
	if err != nil {
		t.Fatalf("Seal(hop %d): %v", hop+1, err)
	}
	return append([]byte(fields), msg...)
}
