package session

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/mime"
)

// TestOneMIMEWalk: with MIME and Bayes on, a message is walked once: the
// classifier reads the mime scan's report instead of walking the message
// again (the classifier here shares the session's scanner, whose Trace
// counts the entities each walk opens).
func TestOneMIMEWalk(t *testing.T) {
	t.Parallel()
	var opened atomic.Int64
	sc := &mime.Scanner{Trace: func(string, ...any) { opened.Add(1) }}
	c := trainedBayes(t)
	c.Tokenizer = bayes.Tokenizer{Scanner: sc}
	e := &Engine{MIME: sc, Bayes: c}
	ctx := context.Background()
	msg := malware()
	sc.Scan(ctx, msg)
	once := opened.Swap(0)
	if once == 0 {
		t.Fatal("the scanner's Trace saw no entity")
	}
	v, err := e.Check(ctx, Envelope{MailFrom: "billing@example.com"}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Checks.Bayes == nil || v.Checks.MIME == nil {
		t.Fatalf("bayes %v, mime %v: want both", v.Checks.Bayes, v.Checks.MIME)
	}
	if got := opened.Load(); got != once {
		t.Errorf("the session opened %d entities, %d walks of %d: want one walk", got, got/once, once)
	}
}
