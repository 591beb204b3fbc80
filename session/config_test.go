package session

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/spamkit/spamkit/rdns"
)

// TestNonFiniteScores: NaN or an infinity in Engine.Scores or a threshold
// is a configuration error (ErrConfig) as ParseScores rejects them:
// Validate says so, and a session with it has a SPAMKIT_ERROR row
// (check "config") decided by OnError; the bad value counts as unset
// (the default points, the default threshold), so that the score and
// the decision stay numbers.
func TestNonFiniteScores(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		e    Engine
	}{
		{"Scores NaN", Engine{Scores: Scores{Skipped: nan}}},
		{"Scores -Inf", Engine{Scores: Scores{Skipped: -inf}}},
		{"RequiredScore NaN", Engine{RequiredScore: nan}},
		{"RequiredScore +Inf", Engine{RequiredScore: inf}},
		{"QuarantineScore NaN", Engine{QuarantineScore: nan}},
		{"RejectScore -Inf", Engine{RejectScore: -inf}},
	} {
		if err := tc.e.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Validate() = %v, want ErrConfig", tc.name, err)
		}
		for _, policy := range []ErrorPolicy{TempfailOnError, AcceptOnError} {
			e := tc.e
			e.OnError = policy
			// No client address: the iprev row is SPAMKIT_SKIPPED,
			// no lookup made, and its points count.
			e.RDNS = &rdns.Checker{}
			ctx := context.Background()
			s := e.NewSession(ctx)
			s.Mail(ctx, "alice@example.com")
			s.Write(message("alice@example.com", "hello", "Hi.\r\n"))
			v, err := s.EndOfData(ctx)
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			r, ok := rowOf(v, "config")
			if !ok || r.Rule != InternalError || !errors.Is(r.Err, ErrConfig) || !errors.Is(v.Err, ErrConfig) {
				t.Errorf("%s, OnError %s: config row %v (err %v), verdict err %v, want %s wrapping ErrConfig", tc.name, policy, r, r.Err, v.Err, InternalError)
			}
			if math.IsNaN(v.Score) || math.IsInf(v.Score, 0) || math.IsNaN(v.Required) || math.IsInf(v.Required, 0) {
				t.Errorf("%s, OnError %s: score %v required %v, want numbers", tc.name, policy, v.Score, v.Required)
			}
			want := Tempfail
			if policy == AcceptOnError {
				want = Accept
			}
			if v.Action != want {
				t.Errorf("%s, OnError %s: %s, want %s", tc.name, policy, v, want)
			}
		}
	}
	if err := (&Engine{Scores: Scores{SPFFail: 3, SPFPass: -1}, RequiredScore: 6, QuarantineScore: 10, RejectScore: -1}).Validate(); err != nil {
		t.Errorf("Validate() of a sound engine = %v, want nil", err)
	}
}
