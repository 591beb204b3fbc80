package session

import (
	"context"
	"strings"
	"testing"
)

// TestCorpus runs whole sessions over the SpamAssassin corpus with every
// check on: each message gets one Authentication-Results, a score table
// with a mime and a bayes row, headers that agree with the table, and no
// internal error; the classifier, trained on the other half, puts more of
// the spam half over the threshold than of the ham half.
func TestCorpus(t *testing.T) {
	t.Parallel()
	// 200 of each class to train on: bayes's training minimum
	// (SpamAssassin's bayes_min_spam_num and bayes_min_ham_num).
	msgs := corpusMessages(t, 800)
	e := benchEngine(t)
	ctx := context.Background()
	// Train on the odd messages, check the even ones.
	half := len(msgs) / 2
	for i, m := range msgs {
		if i%2 == 1 {
			class := "ham"
			if i >= half {
				class = "spam"
			}
			if _, err := e.Bayes.Train(ctx, bayesClass(class), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	var spamOver, hamOver, spamN, hamN int
	for i := 0; i < len(msgs); i += 2 {
		v, err := runSession(ctx, e, msgs[i])
		if err != nil {
			t.Fatal(err)
		}
		if v.Err != nil {
			t.Errorf("message %d: internal error %v", i, v.Err)
		}
		if n := count(v, "Authentication-Results"); n != 1 {
			t.Errorf("message %d: %d Authentication-Results", i, n)
		}
		for _, c := range []string{"mime", "bayes", "spf", "dkim", "dmarc", "iprev"} {
			if _, ok := rowOf(v, c); !ok {
				t.Errorf("message %d: no %s row", i, c)
			}
		}
		if sc, _ := fieldOf(v, "X-Spam-Status"); !strings.Contains(sc, "score="+tagScore(&v)+" ") {
			t.Errorf("message %d: X-Spam-Status %q disagrees with the score %.2f", i, sc, v.Score)
		}
		if r, _ := rowOf(v, "bayes"); r.Rule == Bayes99 || r.Rule == Bayes95 {
			if i >= half {
				spamOver++
			} else {
				hamOver++
			}
		}
		if i >= half {
			spamN++
		} else {
			hamN++
		}
	}
	t.Logf("BAYES_95+: spam %d/%d, ham %d/%d", spamOver, spamN, hamOver, hamN)
	if spamOver <= hamOver {
		t.Errorf("bayes put %d spam and %d ham in BAYES_95+: the composition does not feed it the messages", spamOver, hamOver)
	}
}
