package bayes

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestGammaQ checks the regularized upper incomplete gamma function
// against closed forms: Q(n, x) is chi2Q(2x, n) for whole n, and
// Q(1/2, x) = erfc(√x).
func TestGammaQ(t *testing.T) {
	for _, tt := range []struct{ a, x, want float64 }{
		{1, 1, math.Exp(-1)},
		{2, 1, 2 / math.E},
		{3, 2, 5 * math.Exp(-2)},
		{0.5, 0.25, math.Erfc(0.5)},
		{0.5, 4, math.Erfc(2)},
		{1.5, 1, math.Erfc(1) + 2*math.Exp(-1)/math.Sqrt(math.Pi)}, // Q(3/2, x) = erfc(√x) + 2√(x/π)e^-x
		{5, 0, 1},
		{10, 1000, 0},
	} {
		if got := gammaQ(tt.a, tt.x); !near(got, tt.want, 1e-12) {
			t.Errorf("gammaQ(%v, %v) = %v, want %v", tt.a, tt.x, got, tt.want)
		}
	}
	for n := 1; n < 60; n += 7 {
		for _, chi := range []float64{0.5, 3, 20, 80, 300} {
			if got, want := gammaQ(float64(n), chi/2), chi2Q(chi, n); !near(got, want, 1e-10) {
				t.Errorf("gammaQ(%d, %v) = %v, chi2Q = %v", n, chi/2, got, want)
			}
		}
	}
}

// TestFisherESF checks the effective size factors: 1 is Fisher's
// method, and smaller factors pull a score towards 0.5 (less evidence).
func TestFisherESF(t *testing.T) {
	fs := []float64{0.99, 0.98, 0.9, 0.95, 0.2, 0.993}
	if got, want := fisherESF(fs, 1, 1), fisher(fs); !near(got, want, 1e-12) {
		t.Errorf("fisherESF(1, 1) = %v, fisher = %v", got, want)
	}
	prev := fisherESF(fs, 1, 1)
	for _, esf := range []float64{0.8, 0.5, 0.2} {
		got := fisherESF(fs, esf, esf)
		if !(got < prev && got > 0.5) {
			t.Errorf("fisherESF(%v) = %v, want in (0.5, %v)", esf, got, prev)
		}
		prev = got
	}
	// One token with ESF e: H = Q(e, -e ln f), S = Q(e, -e ln(1-f)).
	f, e := 0.9, 0.5
	want := (1 + math.Erfc(math.Sqrt(-e*math.Log(f))) - math.Erfc(math.Sqrt(-e*math.Log(1-f)))) / 2
	if got := fisherESF([]float64{f}, e, e); !near(got, want, 1e-12) {
		t.Errorf("fisherESF([%v], %v) = %v, want %v", f, e, got, want)
	}
	bad := Classifier{HamESF: 1.5}
	if _, err := bad.Classify(context.Background(), []byte("x")); !errors.Is(err, ErrConfig) {
		t.Errorf("HamESF 1.5: err = %v, want ErrConfig", err)
	}
}

// TestDegenerate checks Graham's degeneration: a word counts once, as
// written when the store knows that form, else folded.
func TestDegenerate(t *testing.T) {
	ctx := context.Background()
	c := Classifier{Degenerate: true, MaxClues: 100, MinSpam: -1, MinHam: -1}
	for range 5 {
		c.TrainTokens(ctx, Spam, []string{"FREE", "free", "money"})
		c.TrainTokens(ctx, Ham, []string{"meeting"})
	}
	clueTokens := func(o Outcome) []string {
		var out []string
		for _, cl := range o.Clues {
			out = append(out, cl.Token)
		}
		slices.Sort(out)
		return out
	}
	// "FREE" is known: "free" is left out.
	o, err := c.ClassifyTokens(ctx, []string{"free", "FREE", "money"})
	if err != nil {
		t.Fatal(err)
	}
	if got := clueTokens(o); slices.Contains(got, "free") || !slices.Contains(got, "FREE") {
		t.Errorf("known as written: clues %q, want FREE and not free", got)
	}
	// "Free" is unknown: the folded "free" counts.
	o, _ = c.ClassifyTokens(ctx, []string{"free", "Free", "meeting"})
	if got := clueTokens(o); !slices.Contains(got, "free") {
		t.Errorf("unknown as written: clues %q, want free", got)
	}
	// Without Degenerate both count.
	c.Degenerate = false
	o, _ = c.ClassifyTokens(ctx, []string{"free", "FREE", "money"})
	if got := clueTokens(o); !slices.Contains(got, "free") || !slices.Contains(got, "FREE") {
		t.Errorf("no degeneration: clues %q, want free and FREE", got)
	}
}

// TestFieldNamesOnly checks that with FieldNamesOnly a field outside the
// named ones gives its name only.
func TestFieldNamesOnly(t *testing.T) {
	msg := []byte("Subject: hello there\r\nList-Unsubscribe: <mailto:leave@lists.example>\r\nX-Foo: alpha beta\r\n\r\nbody words\r\n")
	ctx := context.Background()
	all := (&Tokenizer{}).Tokenize(ctx, msg).List
	names := (&Tokenizer{FieldNamesOnly: true}).Tokenize(ctx, msg).List
	for _, tok := range []string{"head:alpha", "head:leave"} {
		if !slices.Contains(all, tok) {
			t.Errorf("default: no %s in %q", tok, all)
		}
		if slices.Contains(names, tok) {
			t.Errorf("FieldNamesOnly: %s in %q", tok, names)
		}
	}
	for _, tok := range []string{"head:x-foo", "head:list-unsubscribe", "subj:hello", "body"} {
		if !slices.Contains(names, tok) {
			t.Errorf("FieldNamesOnly: no %s in %q", tok, names)
		}
	}
}

// TestMaxFieldTokens checks the bound on the tokens of one header field.
func TestMaxFieldTokens(t *testing.T) {
	msg := []byte("X-Foo: one two three four five\r\nSubject: alpha beta gamma\r\n\r\nbody words here\r\n")
	toks := (&Tokenizer{MaxFieldTokens: 2}).Tokenize(context.Background(), msg).List
	count := func(prefix string) int {
		n := 0
		for _, tok := range toks {
			if strings.HasPrefix(tok, prefix) {
				n++
			}
		}
		return n
	}
	if got := count("head:"); got != 2 {
		t.Errorf("MaxFieldTokens 2: %d head: tokens in %q, want 2", got, toks)
	}
	if got := count("subj:"); got != 2 {
		t.Errorf("MaxFieldTokens 2: %d subj: tokens in %q, want 2", got, toks)
	}
	if !slices.Contains(toks, "here") {
		t.Errorf("MaxFieldTokens bounds the body too: %q", toks)
	}
}

// TestFisherESFTiny: an effective size factor near 0 (any value in (0, 1]
// is accepted) leaves no evidence, the score 0.5. gammaQ's series
// multiplied 1/a by 1/Γ(a), which overflow below a ≈ 1e-308 (0·Inf: a NaN
// Score), and ESF·(-ln P) underflowing to 0 made Q 1 (scores 0 and 1 at
// ESF 1e-320).
func TestFisherESFTiny(t *testing.T) {
	for _, esf := range []float64{math.SmallestNonzeroFloat64, 1e-320, 1e-300} {
		for _, fs := range [][]float64{{1e-15}, {1 - 1e-15}, {0.01, 0.99, 0.02}} {
			if got := fisherESF(fs, esf, esf); math.IsNaN(got) || math.Abs(got-0.5) > 1e-6 {
				t.Errorf("fisherESF(%v, %g, %g) = %v, want 0.5", fs, esf, esf, got)
			}
		}
	}
}
