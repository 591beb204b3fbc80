package bayes

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestJapanese trains on half of a composed set of Japanese ham and spam
// (testdata/japanese, made by make.py: ISO-2022-JP, Shift_JIS and UTF-8,
// RFC 2047 and raw subjects, kanji-only spam subjects) and classifies
// the other half, with character bigrams and with CJK runs kept whole
// (what whitespace splitting and bogofilter give). Bigrams must classify
// every message, and make fewer errors than whole runs.
func TestJapanese(t *testing.T) {
	type msg struct {
		class Result
		data  []byte
		name  string
	}
	var train, test []msg
	for _, class := range []Result{Spam, Ham} {
		files, err := filepath.Glob(filepath.Join("testdata", "japanese", string(class), "*.eml"))
		if err != nil || len(files) < 20 {
			t.Fatalf("testdata/japanese/%s: %d files, %v", class, len(files), err)
		}
		for i, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := msg{class, data, f}
			if i%2 == 0 {
				train = append(train, m)
			} else {
				test = append(test, m)
			}
		}
	}
	run := func(tk Tokenizer) (errs int, results map[string]Outcome) {
		ctx := context.Background()
		c := &Classifier{Tokenizer: tk, MinSpam: -1, MinHam: -1} // 12 and 12 trained
		for _, m := range train {
			if _, err := c.Train(ctx, m.class, m.data); err != nil {
				t.Fatal(err)
			}
		}
		results = map[string]Outcome{}
		for _, m := range test {
			o, err := c.Classify(ctx, m.data)
			if err != nil {
				t.Fatal(err)
			}
			results[m.name] = o
			if o.Result != m.class {
				errs++
			}
		}
		return errs, results
	}
	bigramErrs, bigrams := run(Tokenizer{})
	wholeErrs, _ := run(Tokenizer{wholeRuns: true})
	t.Logf("errors (wrong or unsure) of %d: bigrams %d, whole runs %d", len(test), bigramErrs, wholeErrs)
	if bigramErrs != 0 {
		for name, o := range bigrams {
			t.Logf("%s: %v", name, o)
		}
		t.Errorf("bigrams: %d errors, want 0", bigramErrs)
	}
	if bigramErrs >= wholeErrs {
		t.Errorf("bigrams (%d errors) do not beat whole runs (%d)", bigramErrs, wholeErrs)
	}
}
