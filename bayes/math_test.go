package bayes

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestChi2Q checks the chi-square upper tail against values worked out
// by hand from Q(chi | 2n) = e^-m Σ_{i<n} m^i/i!, m = chi/2.
func TestChi2Q(t *testing.T) {
	tests := []struct {
		chi  float64
		n    int
		want float64
	}{
		{2, 1, math.Exp(-1)},     // e^-1
		{2, 2, 2 / math.E},       // e^-1 (1 + 1)
		{4, 3, 5 * math.Exp(-2)}, // e^-2 (1 + 2 + 2)
		{6, 2, 4 * math.Exp(-3)}, // e^-3 (1 + 3)
		{0, 5, 1},                // no evidence
		{10, 1, math.Exp(-5)},    // one degree pair
		{2000, 10, 0},            // far in the tail: underflows to 0, no NaN
		{1, 2000, 1},             // far below the mean: 1
		// at the mean of 4000 degrees: Wilson-Hilferty's z =
		// (1-(1-2/36000))/sqrt(2/36000) = 0.0074536, 1-Φ(z) = 0.497026
		{4000, 2000, 0.497026},
	}
	for _, tt := range tests {
		got := chi2Q(tt.chi, tt.n)
		tol := 1e-12
		if tt.chi == 4000 {
			tol = 1e-5
		}
		if !near(got, tt.want, tol) || math.IsNaN(got) {
			t.Errorf("chi2Q(%v, %d) = %v, want %v", tt.chi, tt.n, got, tt.want)
		}
	}
}

func TestRobinsonF(t *testing.T) {
	tests := []struct {
		name      string
		spam, ham uint32
		ns, nh    uint64
		want      float64
	}{
		// p = (3/10)/(3/10+1/10) = 0.75, n = 4:
		// f = (0.0178·0.52 + 4·0.75)/(0.0178 + 4) = 3.009256/4.0178
		{"3 spam 1 ham", 3, 1, 10, 10, 3.009256 / 4.0178},
		// never seen: x
		{"unseen", 0, 0, 10, 10, 0.52},
		// only in spam, once: p = 1, f = (0.009256 + 1)/1.0178
		{"hapax spam", 1, 0, 5, 5, 1.009256 / 1.0178},
		// only in ham, once: p = 0, f = 0.009256/1.0178
		{"hapax ham", 0, 1, 5, 5, 0.009256 / 1.0178},
		// unequal totals: p = (1/2)/(1/2 + 10/100) = 5/6, n = 11
		{"scaled", 1, 10, 2, 100, (0.009256 + 11*5.0/6) / 11.0178},
		// no ham trained: the token's ham count weighs nothing
		{"no ham trained", 2, 0, 4, 0, (0.009256 + 2) / 2.0178},
	}
	for _, tt := range tests {
		got := robinsonF(tt.spam, tt.ham, tt.ns, tt.nh, DefaultRobS, DefaultRobX)
		if !near(got, tt.want, 1e-12) {
			t.Errorf("%s: robinsonF = %.15f, want %.15f", tt.name, got, tt.want)
		}
	}
}

func TestFisher(t *testing.T) {
	// One token: H = Q(-2 ln f, 2) = f, S = 1-f, I = f.
	for _, f := range []float64{0.01, 0.2, 0.9, 0.999} {
		if got := fisher([]float64{f}); !near(got, f, 1e-12) {
			t.Errorf("fisher([%v]) = %v, want %v", f, got, f)
		}
	}
	// Two tokens of 0.99: H = 0.9801(1 - ln 0.9801), S = 0.0001(1 - ln
	// 0.0001), I = (1 + H - S)/2.
	h := 0.9801 * (1 - math.Log(0.9801))
	s := 0.0001 * (1 - math.Log(0.0001))
	if got, want := fisher([]float64{0.99, 0.99}), (1+h-s)/2; !near(got, want, 1e-12) {
		t.Errorf("fisher(0.99, 0.99) = %v, want %v", got, want)
	}
	// Symmetry: mirrored evidence mirrors the score.
	a := fisher([]float64{0.9, 0.95, 0.2})
	b := fisher([]float64{0.1, 0.05, 0.8})
	if !near(a, 1-b, 1e-12) {
		t.Errorf("fisher not symmetric: %v and %v", a, b)
	}
	if got := fisher(nil); got != 0.5 {
		t.Errorf("fisher(nil) = %v, want 0.5", got)
	}
	// Many strong tokens must not overflow into NaN.
	many := make([]float64, 5000)
	for i := range many {
		many[i] = 0.999
	}
	if got := fisher(many); math.IsNaN(got) || got < 0.999 {
		t.Errorf("fisher(5000 × 0.999) = %v", got)
	}
}

func TestVerdict(t *testing.T) {
	p := params{spam: 0.99, ham: 0.45}
	tests := []struct {
		score float64
		want  Result
	}{
		{0.99, Spam}, {0.995, Spam}, {0.9899, Unsure}, {0.46, Unsure}, {0.45, Ham}, {0, Ham},
	}
	for _, tt := range tests {
		if got := verdict(p, tt.score); got != tt.want {
			t.Errorf("verdict(%v) = %v, want %v", tt.score, got, tt.want)
		}
	}
	two := params{spam: 0.99, ham: -1}
	if got := verdict(two, 0.9); got != Ham {
		t.Errorf("two-state verdict(0.9) = %v, want ham", got)
	}
}
