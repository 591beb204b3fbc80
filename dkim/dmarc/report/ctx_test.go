package report

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
)

// TestAddContextEnds: Add never looked at ctx (the MemoryStore does
// not), and a row with more DKIM results than MaxDKIMPerRow (a verifier
// without a signature limit gives one per DKIM-Signature field the
// sender wrote) was sorted by a rank found anew, with the public suffix
// list, at each comparison. An ended ctx now records nothing, and the
// ranking, once per result, looks at ctx as it goes: a ctx ending at
// its second look (the first is on entry) stops it.
func TestAddContextEnds(t *testing.T) {
	row := testRows()[0]
	row.DKIMResults = nil
	for i := range 5000 {
		row.DKIMResults = append(row.DKIMResults, DKIMAuth{Domain: fmt.Sprintf("d%d.example", i), Selector: "s", Result: "pass"})
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		row  Row
	}{
		{"ended", testenv.EndsAt(1), testRows()[0]},
		{"ends while ranking", testenv.EndsAt(2), row},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReporter()
			if err := r.Add(tt.ctx, Evaluation{Time: day0, Policy: testPolicy(), Row: tt.row}); !errors.Is(err, context.Canceled) {
				t.Errorf("Add = %v, want context.Canceled", err)
			}
			if keys, _ := r.Due(context.Background(), day0.Add(48*time.Hour)); len(keys) != 0 {
				t.Errorf("a row was stored: %v", keys)
			}
		})
	}
}
