package session

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/rdns"
)

// TestScoreAtThreshold: rules whose points add up to the required score
// make a spam, whatever the order of the float additions: SpamAssassin
// rounds the total to 3 decimals before comparing
// (Mail::SpamAssassin::PerMsgStatus::check, "to avoid rounding issues").
// 1.4+1.4+1.4+0.8 is 4.999999999999999 in float64.
func TestScoreAtThreshold(t *testing.T) {
	t.Parallel()
	e := &Engine{
		RDNS:   &rdns.Checker{},
		DNSBL:  &rbl.Checker{Lists: []rbl.List{{Zone: "zen.example"}}}, // never asked: no client address
		MIME:   &mime.Scanner{},
		Scores: Scores{Skipped: 1.4, MIMEClean: 0.8},
	}
	v, err := e.Check(context.Background(), Envelope{MailFrom: "alice@example.com"}, message("alice@example.com", "threshold", "Hello.\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Score != 5 || !v.Spam() || v.Action != AddHeader {
		t.Errorf("score %v (%v), spam %v, action %v; want 5 of 5, spam, add-header\n%v", v.Score, v.Rows, v.Spam(), v.Action, v)
	}
	if got, _ := fieldOf(v, "X-Spam-Flag"); got != "YES" {
		t.Errorf("X-Spam-Flag = %q, want YES", got)
	}
	if got, _ := fieldOf(v, "X-Spam-Score"); got != "5.0" {
		t.Errorf("X-Spam-Score = %q, want 5.0", got)
	}
}
