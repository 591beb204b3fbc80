package session

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/mime"
)

// TestBayesUntrained: a classifier below its training minimum
// (bayes.ErrUntrained) did not judge the message, and nothing failed: its
// row says skipped, "not enough training", with no points (also when
// the operator gives BAYES_UNKNOWN points for a classifier that could
// not judge), no internal error, no X-Spamkit-Error, the message goes on.
func TestBayesUntrained(t *testing.T) {
	t.Parallel()
	for _, withMIME := range []bool{false, true} {
		for _, policy := range []ErrorPolicy{TempfailOnError, AcceptOnError} {
			e := &Engine{
				AuthServID: "mx.example.org",
				Bayes:      &bayes.Classifier{Store: bayes.NewMemStore()},
				Scores:     Scores{BayesUnknown: 2.5},
				OnError:    policy,
			}
			if withMIME {
				e.MIME = &mime.Scanner{}
			}
			ctx := context.Background()
			s := e.NewSession(ctx)
			s.Mail(ctx, "alice@example.com")
			s.Write(message("alice@example.com", "hello", "Hi Bob.\r\n"))
			v, err := s.EndOfData(ctx)
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			name := func() string {
				return "mime " + map[bool]string{false: "off", true: "on"}[withMIME] + ", OnError " + policy.String()
			}
			r, ok := rowOf(v, "bayes")
			if !ok || r.Rule != Skipped || r.Result != "skipped" || r.Reason != "not enough training" || r.Score != 0 || !errors.Is(r.Err, bayes.ErrUntrained) {
				t.Errorf("%s: bayes row = %v (err %v), want 0.0 %s bayes=skipped (not enough training) wrapping bayes.ErrUntrained", name(), r, r.Err, Skipped)
			}
			for _, r := range v.Rows {
				if r.Rule == InternalError || r.Rule == BayesUnknown {
					t.Errorf("%s: row %v, want none of %s, %s", name(), r, InternalError, BayesUnknown)
				}
			}
			if v.Err != nil || v.Action != Accept || v.Score != 0 {
				t.Errorf("%s: verdict %s (err %v), want accept, score 0, no error", name(), v, v.Err)
			}
			if _, ok := fieldOf(v, "X-Spamkit-Error"); ok {
				t.Errorf("%s: X-Spamkit-Error added", name())
			}
			if rep, _ := fieldOf(v, "X-Spam-Report"); !strings.Contains(rep, "bayes=skipped (not enough training)") {
				t.Errorf("%s: X-Spam-Report %q lacks bayes=skipped (not enough training)", name(), rep)
			}
		}
	}
}
