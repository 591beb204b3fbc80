package session

import (
	"context"
	"testing"
)

// TestDMARCMultipleFromScores: a message with several From fields fails
// DMARC closed (dmarc: reject disposition, no policy looked up); the row
// scores it as the reject it is, also in score-only mode, not as a
// p=none failure (DMARC_NONE, 0.1 points): the spoof of issue 11 must
// not pass for a message that merely lacks a strict policy.
func TestDMARCMultipleFromScores(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	e := testEngine(t, testResolver(srv, true))
	e.DMARCScoreOnly = true
	msg := signed(t, message("alice@example.com", "two from", "Hello.\r\n"))
	msg = append([]byte("From: ceo@bank.example\r\n"), msg...)
	v, err := e.Check(context.Background(), Envelope{IP: goodIP, HELO: "mail.example.com", MailFrom: "alice@example.com", Rcpts: []string{"bob@example.org"}}, msg)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rowOf(v, "dmarc")
	if r.Result != "fail" || r.Rule != DMARCReject || r.Score != e.score(DMARCReject) {
		t.Errorf("dmarc row %v, want fail scored %s (%.1f)", r, DMARCReject, e.score(DMARCReject))
	}
}
