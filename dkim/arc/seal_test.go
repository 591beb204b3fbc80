package arc_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// TestSealChain seals chains of 1 to 3 hops with rsa-sha256 and
// ed25519-sha256 (hopSeal: the second hop breaks AMS 1) and verifies
// them, then tampers with each.
func TestSealChain(t *testing.T) {
	srv := dkimtest.Server(t)
	v := &arc.Verifier{Resolver: srv.Resolver()}
	for _, k := range []string{"rsa2048", "ed25519"} {
		msg := dkimtest.Read(t, "messages/plain.eml")
		for hop, wantOldest := range []int{1, 2, 2} {
			msg = hopSeal(t, srv, k, hop, msg)
			t.Run(k+"/hops="+string(rune('1'+hop)), func(t *testing.T) {
				got, err := v.Verify(context.Background(), bytes.NewReader(msg))
				if err != nil || got.Result != arc.Pass || got.Instances != hop+1 || got.OldestPass != wantOldest {
					t.Fatalf("Verify = %s n=%d oldest-pass=%d %v (%v), want pass n=%d oldest-pass=%d",
						got.Result, got.Instances, got.OldestPass, got.Err, err, hop+1, wantOldest)
				}
				if hop > 0 && got.Sets[0].AMSErr == nil {
					t.Errorf("Verify.Sets[0].AMSErr = nil, want the list's change to break AMS 1")
				}
				if got := got.Sets[hop].Results.ServID; got != "mx."+[]string{"example.org", "example.net", "relay.example.com"}[hop] {
					t.Errorf("Verify.Sets[%d].Results.ServID = %q", hop, got)
				}
				for _, tc := range []struct {
					name string
					msg  []byte
					err  error
				}{
					{"body changed", append(bytes.Clone(msg), "tampered\r\n"...), arc.ErrMessageSignature},
					{"newest AAR changed", bytes.Replace(msg, []byte("ARC-Authentication-Results: i="), []byte("ARC-Authentication-Results:  i="), 1), nil},
					{"seal cv changed", regexp.MustCompile(`cv=(pass|none)`).ReplaceAll(msg, []byte("cv=fail")), arc.ErrChainFailed},
				} {
					got, err := v.Verify(context.Background(), bytes.NewReader(tc.msg))
					if tc.err == nil {
						// Relaxed canonicalization ignores the extra space.
						if err != nil || got.Result != arc.Pass {
							t.Errorf("Verify(%s) = %s %v (%v), want pass", tc.name, got.Result, got.Err, err)
						}
						continue
					}
					if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, tc.err) {
						t.Errorf("Verify(%s) = %s %v (%v), want fail %v", tc.name, got.Result, got.Err, err, tc.err)
					}
				}
			})
		}
	}
}

// TestSealFailedChain seals a chain that failed, and a malformed one,
// with cv=fail: the new set takes the next instance, its seal covers
// only itself (RFC 8617 §5.1.2), and the chain stays failed.
func TestSealFailedChain(t *testing.T) {
	srv := dkimtest.Server(t)
	v := &arc.Verifier{Resolver: srv.Resolver()}
	s := sealers(t)[0]
	chain := string(dkimtest.Read(t, "interop/arc-3.eml"))
	malformed := regexp.MustCompile(`(?m)^ARC-Authentication-Results: i=2;[^\r]*\r\n(\s[^\r]*\r\n)*`).ReplaceAllString(chain, "")
	for _, tc := range []struct {
		name, msg string
		err       error // of the chain sealed as failed
	}{
		{"tampered", chain + "tampered\r\n", arc.ErrChainFailed},
		{"malformed", malformed, arc.ErrStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := v.Verify(context.Background(), strings.NewReader(tc.msg))
			if err != nil || in.Result != arc.Fail {
				t.Fatalf("Verify(incoming) = %s, %v, want fail", in.Result, err)
			}
			if _, err := s.Seal(strings.NewReader(tc.msg), nil, arc.Pass); err == nil && tc.name == "malformed" {
				t.Errorf("Seal(malformed, cv=pass) = nil error, want ErrStructure")
			}
			out := seal(t, s, []byte(tc.msg), arc.Fail)
			if !bytes.HasPrefix(out, []byte("ARC-Seal: i=4; a=rsa-sha256; cv=fail;")) {
				t.Errorf("Seal(cv=fail) = %.60q, want ARC-Seal i=4 cv=fail", out)
			}
			got, err := v.Verify(context.Background(), bytes.NewReader(out))
			if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, tc.err) {
				t.Errorf("Verify(sealed cv=fail) = %s %v (%v), want fail %v", got.Result, got.Err, err, tc.err)
			}
			if got.Instances != 0 && got.Instances != 4 {
				t.Errorf("Verify(sealed cv=fail).Instances = %d, want 4", got.Instances)
			}
		})
	}
}

// TestSealerConfig checks the Sealer's refusals.
func TestSealerConfig(t *testing.T) {
	msg := string(dkimtest.Read(t, "messages/plain.eml"))
	chain := string(dkimtest.Read(t, "interop/arc-1.eml"))
	ok := sealers(t)[0]
	for _, tc := range []struct {
		name string
		s    arc.Sealer
		msg  string
		cv   arc.Result
		err  error
	}{
		{"no key", arc.Sealer{Domain: "example.org", Selector: "s", AuthServID: "mx"}, msg, arc.None, arc.ErrSealerConfig},
		{"no authserv-id", arc.Sealer{Domain: "example.org", Selector: "s", Key: ok.Key}, msg, arc.None, arc.ErrSealerConfig},
		{"signs ARC-Seal", arc.Sealer{Domain: "example.org", Selector: "s", Key: ok.Key, AuthServID: "mx", Headers: []string{"From", "arc-seal"}}, msg, arc.None, arc.ErrSealerConfig},
		{"cv=pass without sets", *ok, msg, arc.Pass, arc.ErrStructure},
		{"cv=none with sets", *ok, chain, arc.None, arc.ErrStructure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Seal(strings.NewReader(tc.msg), nil, tc.cv); !errors.Is(err, tc.err) {
				t.Errorf("Seal(%s) = %v, want %v", tc.name, err, tc.err)
			}
		})
	}
}

// TestVerifierLimits trips the verifier's header and key record limits.
func TestVerifierLimits(t *testing.T) {
	srv := dkimtest.Server(t)
	chain := dkimtest.Read(t, "interop/arc-3.eml")
	v := &arc.Verifier{Resolver: srv.Resolver(), MaxHeaderBytes: 2000}
	// A limit is an outcome (fail: RFC 8617 has no permerror), never the
	// error return.
	if got, err := v.Verify(context.Background(), bytes.NewReader(chain)); err != nil || got.Result != arc.Fail ||
		!errors.Is(got.Err, dkim.ErrHeaderTooLarge) || got.Reason() != "header too large" {
		t.Errorf("Verify(MaxHeaderBytes 2000) = %s %v (%q), %v, want fail ErrHeaderTooLarge", got.Result, got.Err, got.Reason(), err)
	}
	v = &arc.Verifier{Resolver: srv.Resolver(), MaxKeyRecordBytes: 100}
	got, err := v.Verify(context.Background(), bytes.NewReader(chain))
	if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, dkim.ErrKeyTooLarge) {
		t.Errorf("Verify(MaxKeyRecordBytes 100) = %s %v (%v), want fail ErrKeyTooLarge", got.Result, got.Err, err)
	}
	v = &arc.Verifier{Resolver: srv.Resolver(), MinRSABits: 4096}
	got, err = v.Verify(context.Background(), bytes.NewReader(chain))
	if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, dkim.ErrWeakKey) {
		t.Errorf("Verify(MinRSABits 4096) = %s %v (%v), want fail ErrWeakKey", got.Result, got.Err, err)
	}
}
