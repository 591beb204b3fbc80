package bayes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/mime"
)

// countingStore records the number of tokens of each Lookup.
type countingStore struct {
	Store
	mu      sync.Mutex
	lookups []int
}

func (s *countingStore) Lookup(ctx context.Context, tokens []string, counts []Count) (Totals, error) {
	s.mu.Lock()
	s.lookups = append(s.lookups, len(tokens))
	s.mu.Unlock()
	return s.Store.Lookup(ctx, tokens, counts)
}

func (s *countingStore) take() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lookups
	s.lookups = nil
	return l
}

// trainN trains spam and ham messages of a few tokens each.
func trainN(t *testing.T, c *Classifier, spam, ham int) {
	t.Helper()
	ctx := context.Background()
	for i := range spam {
		if _, err := c.TrainTokens(ctx, Spam, []string{"cheap", "pills", fmt.Sprint("s", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range ham {
		if _, err := c.TrainTokens(ctx, Ham, []string{"budget", "meeting", fmt.Sprint("h", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func isUntrained(o Outcome) bool {
	return errors.Is(o.Err, ErrUntrained) && o.Result == Unsure && o.Score == 0.5 && o.Reason() == "not enough training" && len(o.Clues) == 0
}

// TestMinLearns: below MinSpam spams or MinHam hams (SpamAssassin's 200
// each by default) a message is not classified, nor tokenized (one
// Lookup of no token, the store's totals), and the Outcome is an Unsure
// that ErrUntrained and its Reason tell apart from a scored one; at the
// minimum it is classified.
func TestMinLearns(t *testing.T) {
	ctx := context.Background()
	spamMsg := []byte("Subject: cheap pills\r\n\r\ncheap pills\r\n")
	st := &countingStore{Store: NewMemStore()}
	c := &Classifier{Store: st}
	trainN(t, c, 199, 200)
	st.take()

	o, err := c.Classify(ctx, spamMsg)
	if err != nil || !isUntrained(o) || o.Totals != (Totals{Spam: 199, Ham: 200}) || o.Tokens != 0 {
		t.Errorf("199 spams, 200 hams: %v, %v (totals %v); want unsure, not enough training, the totals", o, err, o.Totals)
	}
	if l := st.take(); len(l) != 1 || l[0] != 0 {
		t.Errorf("untrained: lookups of %v tokens, want one of none (the message not tokenized)", l)
	}
	// The other entry points are gated too.
	if o, _ := c.ClassifyTokens(ctx, []string{"cheap", "pills"}); !isUntrained(o) {
		t.Errorf("ClassifyTokens: %v", o)
	}
	if o, _ := c.ClassifyReport(ctx, spamMsg, (&mime.Scanner{}).Scan(ctx, spamMsg)); !isUntrained(o) {
		t.Errorf("ClassifyReport: %v", o)
	}
	s := c.Begin(ctx)
	s.Write(spamMsg)
	if len(s.buf) != 0 {
		t.Errorf("Stream below the minimum kept %d bytes of the message", len(s.buf))
	}
	if o, _ := s.Close(); !isUntrained(o) {
		t.Errorf("Stream: %v", o)
	}
	if l, err := c.AutoLearn(ctx, spamMsg); err != nil || l.Trained != "" || !isUntrained(l.Outcome) {
		t.Errorf("AutoLearn below the minimum: %+v, %v; want nothing learnt", l, err)
	}
	// A scored unsure is not that.
	if o, _ := (&Classifier{MinSpam: -1, MinHam: -1}).Classify(ctx, spamMsg); o.Result != Unsure || errors.Is(o.Err, ErrUntrained) || o.Reason() != "" {
		t.Errorf("no minimum, nothing trained: %v, want a plain unsure", o)
	}

	trainN(t, c, 1, 0)
	st.take()
	o, err = c.Classify(ctx, spamMsg)
	if err != nil || o.Result != Spam || o.Err != nil {
		t.Errorf("200 and 200: %v, %v; want spam", o, err)
	}
	// Once at the minimum, no lookup before tokenizing.
	c.Classify(ctx, spamMsg)
	if l := st.take(); len(l) != 3 || l[0] != 0 || l[1] == 0 || l[2] == 0 {
		t.Errorf("trained: lookups of %v tokens, want one of none, then one per message", l)
	}
	// Untrained below it again: the totals of the lookup say so.
	if _, err := st.Apply(ctx, []Update{{Spam: -1, Tokens: []string{"cheap", "pills", "s0"}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Classify(ctx, spamMsg); !isUntrained(o) || o.Totals.Spam != 199 {
		t.Errorf("untrained to 199 spams: %v", o)
	}
	st.take()
	if o, _ := c.Classify(ctx, spamMsg); !isUntrained(o) || o.Tokens != 0 {
		t.Errorf("untrained to 199 spams, again: %v", o)
	}
	if l := st.take(); len(l) != 1 || l[0] != 0 {
		t.Errorf("after untraining: lookups of %v tokens, want one of none", l)
	}
}

// TestMinLearnsFields: MinSpam and MinHam apart, negative for none; the
// training helpers are not gated (they are how the minimum is reached).
func TestMinLearnsFields(t *testing.T) {
	ctx := context.Background()
	msg := []byte("Subject: cheap pills\r\n\r\ncheap pills\r\n")
	for _, tt := range []struct {
		minSpam, minHam, spam, ham int
		untrained                  bool
	}{
		{2, 1, 1, 1, true},
		{2, 1, 2, 0, true},
		{2, 1, 2, 1, false},
		{-1, -1, 0, 0, false},
		{-1, 3, 5, 2, true},
		{0, 0, 200, 199, true}, // the defaults
	} {
		c := &Classifier{MinSpam: tt.minSpam, MinHam: tt.minHam}
		trainN(t, c, tt.spam, tt.ham)
		o, err := c.Classify(ctx, msg)
		if err != nil || isUntrained(o) != tt.untrained {
			t.Errorf("MinSpam %d MinHam %d, trained %d/%d: %v, %v; want untrained %v", tt.minSpam, tt.minHam, tt.spam, tt.ham, o, err, tt.untrained)
		}
	}

	var c Classifier // the default minimum
	if l, err := c.TrainOnError(ctx, Spam, msg); err != nil || l.Trained != Spam {
		t.Errorf("TrainOnError on an empty store: %+v, %v; want trained", l, err)
	}
	r, err := c.TrainUntilNoError(ctx, []Example{{Class: Spam, Msg: msg}, {Class: Ham, Msg: []byte("Subject: budget\r\n\r\nmeeting\r\n")}}, 3)
	if err != nil || r.Trained == 0 {
		t.Errorf("TrainUntilNoError below the minimum: %+v, %v; want it to train", r, err)
	}
}
