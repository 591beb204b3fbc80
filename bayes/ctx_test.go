package bayes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/testenv"
)

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestClassifyTokensContextEnded: ClassifyTokens with an ended ctx
// classified anyway (the MemStore's Lookup ignored ctx), a hammy message
// coming out Ham; like Classify, it now returns ctx's error.
func TestClassifyTokensContextEnded(t *testing.T) {
	var c Classifier
	trained(t, &c)
	toks := c.Tokenizer.Tokenize(context.Background(), []byte(hamMsgs[0])).List
	if o, err := c.ClassifyTokens(context.Background(), toks); err != nil || o.Result != Ham {
		t.Fatalf("live ctx: %v, %v; want ham", o, err)
	}
	o, err := c.ClassifyTokens(canceled(), toks)
	if !errors.Is(err, context.Canceled) || o.Result != Unsure {
		t.Errorf("ended ctx: %v, %v; want unsure and context.Canceled", o, err)
	}
}

// TestClassifyContextEndsWhileRunning: a ctx that ended after Classify
// began (while it tokenized: ContentTimeout passing in a session) gave
// the verdict of what was read, Ham here. A classification that could
// not finish is Unsure, its Err wrapping ErrStore and ctx's error, as a
// store that honours ctx gives, so that a session counts it a check that
// did not finish.
func TestClassifyContextEndsWhileRunning(t *testing.T) {
	var c Classifier
	trained(t, &c)
	msg := []byte(hamMsgs[0])
	// Look 1 is Classify's own, before it begins: the ctx ends after.
	o, err := c.Classify(testenv.EndsAt(2), msg)
	if err != nil || o.Result != Unsure || !errors.Is(o.Err, context.Canceled) || !errors.Is(o.Err, ErrStore) {
		t.Errorf("Classify = %v, %v; want unsure with ErrStore and context.Canceled", o, err)
	}
	// Looks 1 and 2 are Begin's and Close's (Classify's) own.
	s := c.Begin(testenv.EndsAt(3))
	s.Write(msg)
	if o, err := s.Close(); err != nil || o.Result != Unsure || !errors.Is(o.Err, context.Canceled) {
		t.Errorf("Stream = %v, %v; want unsure with context.Canceled", o, err)
	}
	// Training on error must not take the unfinished verdict as one.
	l, err := c.TrainOnError(testenv.EndsAt(1), Ham, msg)
	if !errors.Is(err, context.Canceled) || l.Trained != "" {
		t.Errorf("TrainOnError = %+v, %v; want context.Canceled, nothing trained", l, err)
	}
}

// TestTrainUntilNoErrorContext: the examples were all tokenized before
// ctx was first looked at. The ctx ends at the second example; the last
// example's class is invalid, which only a loop that went on reaches.
func TestTrainUntilNoErrorContext(t *testing.T) {
	var ex []Example
	for i := range 100 {
		ex = append(ex, Example{Class: Spam, Msg: []byte(fmt.Sprintf("Subject: %d\r\n\r\ncheap pills %d\r\n", i, i))})
	}
	ex = append(ex, Example{Class: "x", Msg: []byte("\r\nx\r\n")})
	c := Classifier{MinSpam: -1, MinHam: -1}
	ctx := testenv.EndsAt(2)
	_, err := c.TrainUntilNoError(ctx, ex, 1)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("TrainUntilNoError = %v, want context.Canceled", err)
	}
	if ctx.Looks() > 3 {
		t.Errorf("ctx looked at %d times after it ended", ctx.Looks())
	}
}

// countReader counts the bytes read from it.
type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestImportContext: a bogofilter dump (whose tokens are merged before
// any is stored) was read to its end whatever ctx did, and so was a
// dump of lines that give no entry. Import now stops reading once ctx
// has ended.
func TestImportContext(t *testing.T) {
	var b strings.Builder
	b.WriteString(".MSG_COUNT 10 20 20261202\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "tok%d 1 0 20240102\n", i)
	}
	blank := strings.Repeat("\n", 1<<20)
	for _, tt := range []struct {
		name, dump string
		f          Format
	}{
		{"bogofilter", b.String(), FormatBogofilter},
		{"blank lines", spamkitHeader + "\n" + blank, FormatSpamkit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemStore()
			r := &countReader{r: strings.NewReader(tt.dump)}
			n, err := Import(canceled(), s, r, tt.f)
			if !errors.Is(err, context.Canceled) || n != 0 || s.Len() != 0 {
				t.Errorf("Import = %d, %v (%d stored); want 0, context.Canceled", n, err, s.Len())
			}
			if r.n > 64<<10 {
				t.Errorf("read %d of %d bytes after ctx ended", r.n, len(tt.dump))
			}
		})
	}
}

// walkEnds is a BulkStore whose Walk ends ctx once it has walked: the
// deadline passing between Prune's walk and its deletion.
type walkEnds struct {
	*MemStore
	cancel context.CancelFunc
}

func (w walkEnds) Walk(ctx context.Context, fn func(Entry) bool) error {
	err := w.MemStore.Walk(ctx, fn)
	w.cancel()
	return err
}

// TestPruneContext: Prune deleted what it chose though ctx ended after
// the walk (MemStore.Put ignored ctx).
func TestPruneContext(t *testing.T) {
	m := NewMemStore()
	c := Classifier{Store: m}
	ctx := context.Background()
	for i := range 10 {
		c.Train(ctx, Spam, []byte(fmt.Sprintf("\r\nword%d\r\n", i)))
	}
	before := m.Len()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.Store = walkEnds{m, cancel}
	_, err := c.Prune(ctx, Prune{MaxTokens: 1})
	if !errors.Is(err, context.Canceled) || m.Len() != before {
		t.Errorf("Prune = %v, %d of %d tokens left; want context.Canceled, none dropped", err, m.Len(), before)
	}
}
