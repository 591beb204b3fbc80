package bayes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var (
	spamMsgs = []string{
		"Subject: Cheap pills online\r\n\r\nBuy cheap pills now, best prices, order today\r\n",
		"Subject: Best prices on pills\r\n\r\nOrder cheap meds online now, limited offer\r\n",
		"Subject: Limited offer\r\n\r\nCheap pills and meds, buy now, free shipping\r\n",
	}
	hamMsgs = []string{
		"Subject: Meeting notes\r\n\r\nHere are the notes from the meeting about the budget\r\n",
		"Subject: Lunch tomorrow\r\n\r\nShall we meet for lunch tomorrow to discuss the budget\r\n",
		"Subject: Budget review\r\n\r\nThe meeting about the quarterly budget is moved to Friday\r\n",
	}
)

// trained trains c on three spams and three hams, and sets c to classify
// on so few (MinSpam and MinHam negative).
func trained(t *testing.T, c *Classifier) {
	t.Helper()
	c.MinSpam, c.MinHam = -1, -1
	ctx := context.Background()
	for _, m := range spamMsgs {
		if _, err := c.Train(ctx, Spam, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range hamMsgs {
		if _, err := c.Train(ctx, Ham, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClassify(t *testing.T) {
	var c Classifier
	trained(t, &c)
	ctx := context.Background()
	tests := []struct {
		msg  string
		want Result
	}{
		{"Subject: Cheap offer\r\n\r\nbuy cheap pills online now\r\n", Spam},
		{"Subject: budget meeting\r\n\r\nnotes about the budget meeting on Friday\r\n", Ham},
		{"Subject: unrelated\r\n\r\nzebra giraffe elephant\r\n", Unsure},
	}
	for _, tt := range tests {
		o, err := c.Classify(ctx, []byte(tt.msg))
		if err != nil {
			t.Fatal(err)
		}
		if o.Result != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.msg, o, tt.want)
		}
		if o.Totals != (Totals{Spam: 3, Ham: 3}) {
			t.Errorf("Totals = %v", o.Totals)
		}
	}
	o, _ := c.Classify(ctx, []byte("Subject: unrelated\r\n\r\nzebra giraffe elephant\r\n"))
	if o.Score != 0.5 || o.Used != 0 || len(o.Clues) != 0 {
		t.Errorf("no evidence: %v, want score 0.5, nothing used", o)
	}
}

// TestClassifyScore recomputes a score by hand from the stored counts.
func TestClassifyScore(t *testing.T) {
	c := Classifier{MinSpam: -1, MinHam: -1}
	ctx := context.Background()
	c.Train(ctx, Spam, []byte("\r\nalpha beta\r\n"))
	c.Train(ctx, Spam, []byte("\r\nalpha gamma\r\n"))
	c.Train(ctx, Ham, []byte("\r\nbeta delta\r\n"))
	o, err := c.Classify(ctx, []byte("\r\nalpha beta gamma\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Ns = 2, Nh = 1. alpha: s=2 h=0 → p=1, f=(0.009256+2)/2.0178.
	// beta: s=1 h=1 → p=(1/2)/(1/2+1)=1/3, f=(0.009256+2/3)/2.0178:
	// |f-0.5| < 0.375, left out. gamma: s=1 → p=1, f=1.009256/1.0178.
	fa := 2.009256 / 2.0178
	fg := 1.009256 / 1.0178
	// Fisher with n=2: H = Q(-2 ln(fa·fg), 4) = P(1 - ln P), P = fa·fg;
	// S likewise with Q = (1-fa)(1-fg).
	P := fa * fg
	Q := (1 - fa) * (1 - fg)
	want := (1 + P*(1-math.Log(P)) - Q*(1-math.Log(Q))) / 2
	if o.Used != 2 || math.Abs(o.Score-want) > 1e-12 {
		t.Errorf("score = %.15f used %d, want %.15f used 2", o.Score, o.Used, want)
	}
	if len(o.Clues) != 2 || o.Clues[0].Token != "gamma" && o.Clues[0].Token != "alpha" {
		t.Errorf("clues = %v", o.Clues)
	}
	// Clues are sorted farthest from 0.5 first: alpha (fa > fg).
	if o.Clues[0].Token != "alpha" || math.Abs(o.Clues[0].F-fa) > 1e-12 || o.Clues[0].Spam != 2 {
		t.Errorf("first clue = %v, want alpha with f %v", o.Clues[0], fa)
	}
}

func TestClassifyParameters(t *testing.T) {
	ctx := context.Background()
	c := Classifier{MinDev: -1, MaxClues: 1, MinSpam: -1, MinHam: -1}
	c.Train(ctx, Spam, []byte("\r\nalpha beta\r\n"))
	c.Train(ctx, Ham, []byte("\r\nbeta delta\r\n"))
	o, _ := c.Classify(ctx, []byte("\r\nalpha beta\r\n"))
	// alpha, beta and type:text/plain, the part's type, all count.
	if o.Used != 3 || len(o.Clues) != 1 {
		t.Errorf("MinDev none: used %d clues %d, want 3 and 1", o.Used, len(o.Clues))
	}
	two := Classifier{HamCutoff: -1, SpamCutoff: 0.999, MinSpam: -1, MinHam: -1}
	if o, _ := two.Classify(ctx, []byte("\r\nnothing\r\n")); o.Result != Ham {
		t.Errorf("two-state, no evidence: %v, want ham", o.Result)
	}
	for i, bad := range []*Classifier{{RobX: 1.5}, {SpamCutoff: 2}, {HamCutoff: 0.9, SpamCutoff: 0.8}, {MinDev: 0.5}, {RobS: -1}} {
		if _, err := bad.Classify(ctx, []byte("x")); !errors.Is(err, ErrConfig) {
			t.Errorf("Classify with bad parameters %d: err %v, want ErrConfig", i, err)
		}
	}
}

func TestUntrain(t *testing.T) {
	var c Classifier
	ctx := context.Background()
	trained(t, &c)
	before, _ := c.Classify(ctx, []byte(spamMsgs[0]))
	extra := []byte("Subject: budget pills\r\n\r\nbudget meeting pills\r\n")
	if _, err := c.Train(ctx, Ham, extra); err != nil {
		t.Fatal(err)
	}
	tot, err := c.Untrain(ctx, Ham, extra)
	if err != nil || tot != (Totals{Spam: 3, Ham: 3}) {
		t.Fatalf("Untrain = %v, %v", tot, err)
	}
	after, _ := c.Classify(ctx, []byte(spamMsgs[0]))
	if before.Score != after.Score {
		t.Errorf("train+untrain changed the score: %v then %v", before.Score, after.Score)
	}
	if _, err := c.Train(ctx, Unsure, extra); !errors.Is(err, ErrClass) {
		t.Errorf("Train(Unsure) err = %v, want ErrClass", err)
	}
}

func TestStream(t *testing.T) {
	var c Classifier
	trained(t, &c)
	ctx := context.Background()
	msg := "Subject: Cheap offer\r\n\r\nbuy cheap pills online now\r\n"
	want, _ := c.Classify(ctx, []byte(msg))
	s := c.Begin(ctx)
	for i := 0; i < len(msg); i += 7 {
		if _, err := s.Write([]byte(msg[i:min(i+7, len(msg))])); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Close()
	if err != nil || got.Score != want.Score || got.Result != want.Result {
		t.Errorf("stream = %v, %v; want %v", got, err, want)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, ErrStreamDone) {
		t.Errorf("Write after Close: %v", err)
	}
	if _, err := s.Close(); !errors.Is(err, ErrStreamDone) {
		t.Errorf("second Close: %v", err)
	}
	var zero Stream
	if _, err := zero.Write([]byte("x")); !errors.Is(err, ErrStreamDone) {
		t.Errorf("zero Stream Write: %v", err)
	}
	// Over MaxBytes: the limit is reported as for Classify.
	small := Classifier{Tokenizer: Tokenizer{MaxBytes: 20}, MinSpam: -1, MinHam: -1}
	s = small.Begin(ctx)
	s.Write([]byte(msg))
	if o, _ := s.Close(); !errors.Is(o.Err, ErrMessageBytes) {
		t.Errorf("stream over MaxBytes: Err %v", o.Err)
	}
}

// failStore fails every call.
type failStore struct{}

func (failStore) Lookup(context.Context, []string, []Count) (Totals, error) {
	return Totals{}, errors.New("connection refused")
}
func (failStore) Apply(context.Context, []Update) (Totals, error) {
	return Totals{}, errors.New("connection refused")
}

func TestFailOpen(t *testing.T) {
	c := Classifier{Store: failStore{}}
	ctx := context.Background()
	o, err := c.Classify(ctx, []byte(spamMsgs[0]))
	if err != nil || o.Result != Unsure || !errors.Is(o.Err, ErrStore) || o.Reason() != "statistics unavailable" {
		t.Errorf("Classify on a failed store = %v, %v; want unsure, ErrStore, nil", o, err)
	}
	if _, err := c.Train(ctx, Spam, []byte(spamMsgs[0])); !errors.Is(err, ErrStore) {
		t.Errorf("Train on a failed store: %v, want ErrStore", err)
	}
	if l, err := c.AutoLearn(ctx, []byte(spamMsgs[0])); err != nil || l.Trained != "" {
		t.Errorf("AutoLearn on a failed store = %v, %v: nothing to learn, no error", l, err)
	}
}

func TestTrainOnError(t *testing.T) {
	var c Classifier
	ctx := context.Background()
	trained(t, &c)
	l, err := c.TrainOnError(ctx, Spam, []byte(spamMsgs[0]))
	if err != nil || l.Trained != "" || l.Totals != (Totals{Spam: 3, Ham: 3}) {
		t.Errorf("TrainOnError of a known spam = %+v, %v: want not trained", l, err)
	}
	novel := []byte("Subject: zebra\r\n\r\ngiraffe elephant\r\n")
	l, err = c.TrainOnError(ctx, Spam, novel)
	if err != nil || l.Trained != Spam || l.Outcome.Result != Unsure || l.Totals != (Totals{Spam: 4, Ham: 3}) {
		t.Errorf("TrainOnError of an unsure = %+v, %v: want trained as spam", l, err)
	}
}

func TestTrainUntilNoError(t *testing.T) {
	c := Classifier{MinSpam: -1, MinHam: -1}
	var ex []Example
	for _, m := range spamMsgs {
		ex = append(ex, Example{Class: Spam, Msg: []byte(m)})
	}
	for _, m := range hamMsgs {
		ex = append(ex, Example{Class: Ham, Msg: []byte(m)})
	}
	r, err := c.TrainUntilNoError(context.Background(), ex, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Rounds < 2 || r.Trained == 0 {
		t.Errorf("rounds = %+v, want convergence after training", r)
	}
	for _, e := range ex {
		if o, _ := c.Classify(context.Background(), e.Msg); o.Result != e.Class {
			t.Errorf("after training until no error: %q is %v", e.Msg, o)
		}
	}
	if _, err := c.TrainUntilNoError(context.Background(), []Example{{Class: "x"}}, 1); !errors.Is(err, ErrClass) {
		t.Errorf("bad class: %v", err)
	}
}

func TestAutoLearn(t *testing.T) {
	ctx := context.Background()
	var c Classifier
	trained(t, &c)
	// A clear spam is learnt, an unsure message is not.
	l, err := c.AutoLearn(ctx, []byte("Subject: Cheap offer\r\n\r\nbuy cheap pills online now meds\r\n"))
	if err != nil || l.Trained != Spam || l.Totals.Spam != 4 {
		t.Errorf("AutoLearn of a clear spam = %+v, %v", l, err)
	}
	l, err = c.AutoLearn(ctx, []byte("Subject: pills budget\r\n\r\ncheap meeting\r\n"))
	if err != nil || l.Trained != "" {
		t.Errorf("AutoLearn of a mixed message = %+v (score %v), %v: want not learnt", l, l.Outcome.Score, err)
	}
	// The guard is configurable: with an unreachable threshold nothing is learnt.
	strict := Classifier{Store: c.store(), AutoSpam: 1, AutoHam: 1e-300}
	l, _ = strict.AutoLearn(ctx, []byte("Subject: Cheap offer\r\n\r\nbuy cheap pills online now meds\r\n"))
	if l.Trained != "" && l.Outcome.Score < 1 {
		t.Errorf("strict AutoLearn learnt at score %v", l.Outcome.Score)
	}
	if _, err := (&Classifier{AutoSpam: 0.1, AutoHam: 0.2}).AutoLearn(ctx, []byte("x")); !errors.Is(err, ErrConfig) {
		t.Errorf("AutoHam above AutoSpam: %v, want ErrConfig", err)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	c := Classifier{Now: func() time.Time { return now }}
	// Trained 30 days ago: "old" once (a hapax), "both" twice.
	now = now.AddDate(0, 0, -30)
	c.Train(ctx, Spam, []byte("\r\nold both\r\n"))
	c.Train(ctx, Spam, []byte("\r\nboth\r\n"))
	now = now.AddDate(0, 0, 30)
	c.Train(ctx, Ham, []byte("\r\nfresh\r\n"))
	res, err := c.Prune(ctx, Prune{HapaxDays: 10})
	// old, both, fresh and type:text/plain (in all three messages).
	if err != nil || res != (Pruned{Before: 4, Dropped: 1}) {
		t.Fatalf("Prune = %+v, %v; want 1 of 4 dropped", res, err)
	}
	counts := make([]Count, 3)
	c.store().Lookup(ctx, []string{"old", "both", "fresh"}, counts)
	if counts[0] != (Count{}) || counts[1].Spam != 2 || counts[2].Ham != 1 {
		t.Errorf("after pruning hapaxes: %v", counts)
	}
	// Size bound: keep the one most useful token.
	c.Train(ctx, Spam, []byte("\r\nboth\r\n"))
	res, err = c.Prune(ctx, Prune{MaxTokens: 1})
	// type:text/plain is in 3 spam and 1 ham: f(w) = 0.5, useless.
	if err != nil || res.Dropped != 2 {
		t.Fatalf("Prune MaxTokens = %+v, %v; want 2 dropped", res, err)
	}
	c.store().Lookup(ctx, []string{"both", "fresh"}, counts[:2])
	if counts[0].Spam != 3 || counts[1] != (Count{}) {
		t.Errorf("after size bound: %v, want both kept (3 spam), fresh dropped", counts[:2])
	}
	if _, err := (&Classifier{Store: failStore{}}).Prune(ctx, Prune{}); !errors.Is(err, ErrStore) {
		t.Errorf("Prune of a store that cannot be listed: %v", err)
	}
}

func TestConcurrentClassify(t *testing.T) {
	var c Classifier
	trained(t, &c)
	ctx := context.Background()
	done := make(chan error)
	for i := range 4 {
		go func() {
			for j := range 20 {
				msg := []byte(fmt.Sprintf("Subject: %d %d\r\n\r\n%s\r\n", i, j, strings.Repeat("cheap pills ", j)))
				if _, err := c.Classify(ctx, msg); err != nil {
					done <- err
					return
				}
				if _, err := c.Train(ctx, Spam, msg); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	o, _ := c.Classify(ctx, []byte(spamMsgs[0]))
	if o.Totals.Spam != 3+80 {
		t.Errorf("spam total %d, want 83", o.Totals.Spam)
	}
}
