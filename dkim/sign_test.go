package dkim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// TestSignerShortExpiration: an Expiration under a whole second still
// gives an x= after t= (RFC 6376 §3.5: x= MUST be greater than t=).
// Truncating the Expiration to seconds gave x= equal to t=, which every
// verifier refuses as a syntax error, so the signer emitted signatures
// that never verified. A fractional Expiration rounds up.
func TestSignerShortExpiration(t *testing.T) {
	srv := dkimtest.Server(t)
	ed := dkimtest.Key(t, "ed25519")
	for _, tc := range []struct {
		exp   time.Duration
		delta int64 // x= minus t=
	}{
		{time.Nanosecond, 1},
		{500 * time.Millisecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{time.Hour, 3600},
	} {
		t.Run(tc.exp.String(), func(t *testing.T) {
			s := signer(t, "ed", ed)
			s.Expiration = tc.exp
			msg := sign(t, s, testMessage)
			v := dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime)}
			vs, err := v.Verify(context.Background(), strings.NewReader(msg))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(vs) != 1 || vs[0].Result != dkim.Pass {
				t.Fatalf("Verify(Expiration %v) = %v, want one pass", tc.exp, vs)
			}
			if got := vs[0].Expiration.Unix() - vs[0].Time.Unix(); got != tc.delta {
				t.Errorf("x= - t= = %d, want %d", got, tc.delta)
			}
		})
	}
}
