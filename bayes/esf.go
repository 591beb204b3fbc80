package bayes

import (
	"math"
	"strings"
)

// fisherESF is fisher with Robinson's effective size factors (Robinson
// 2004, "Handling Redundancy in Email Token Probabilities"; bogofilter's
// sp_esf and ns_esf): n redundant tokens carry the evidence of esf·n
// independent ones, so each side's chi-square is taken of esf·(-2 Σ ln f)
// with 2·esf·n degrees of freedom. hamESF scales the side whose evidence
// is ham (the product of the f(w), Robinson's H), spamESF the other (S).
// With both 1 it equals fisher.
func fisherESF(fs []float64, hamESF, spamESF float64) float64 {
	if len(fs) == 0 {
		return 0.5
	}
	var lnP, lnQ float64
	for _, f := range fs {
		lnP += math.Log(f)
		lnQ += math.Log1p(-f)
	}
	n := float64(len(fs))
	// Each f is inside (0, 1), so -lnP and -lnQ are above 0, and so is
	// ESF times them: kept so when it underflows (a denormal ESF), as
	// gammaQ(a, 0) is 1 however little a is.
	h := gammaQ(hamESF*n, max(-hamESF*lnP, math.SmallestNonzeroFloat64))
	s := gammaQ(spamESF*n, max(-spamESF*lnQ, math.SmallestNonzeroFloat64))
	return (1 + h - s) / 2
}

// gammaQ is the regularized upper incomplete gamma function Q(a, x), the
// chi-square upper tail Q(2x | 2a) for any a > 0: a series below a+1, a
// continued fraction (modified Lentz) above, as in Press et al.,
// Numerical Recipes §6.2.
func gammaQ(a, x float64) float64 {
	if x <= 0 || a <= 0 {
		return 1
	}
	lg, _ := math.Lgamma(a)
	front := -x + a*math.Log(x) - lg
	if x < a+1 {
		// The series x^a e^-x / Γ(a) · Σ x^n / (a(a+1)…(a+n)), taken as
		// x^a e^-x / Γ(a+1) · Σ x^n / ((a+1)…(a+n)): for a tiny a, 1/a
		// and Γ(a) overflow (0·Inf), Γ(a+1) = aΓ(a) does not.
		lg1, _ := math.Lgamma(a + 1)
		sum, term := 1.0, 1.0
		for n := 1; n < 1000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return min(1, max(0, 1-math.Exp(-x+a*math.Log(x)-lg1)*sum))
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return min(1, math.Exp(front)*h)
}

// degenerate marks, for Graham's degeneration ("A Plan for Spam", "Better
// Bayesian Filtering" 2003: a word is looked up as written and falls back
// to a less specific form only when that is unknown), which of a word's
// two tokens, the folded and the as-written one, to leave out: the
// as-written token when it has never been seen, else the folded one. So
// each word counts once. skip[i] is set for the tokens left out.
func degenerate(tokens []string, counts []Count, skip []bool) {
	var idx map[string]int
	for i, t := range tokens {
		if !hasUpper(t) {
			continue
		}
		if counts[i].Spam == 0 && counts[i].Ham == 0 {
			skip[i] = true
			continue
		}
		if idx == nil {
			idx = make(map[string]int, len(tokens))
			for j, u := range tokens {
				if !hasUpper(u) {
					idx[u] = j
				}
			}
		}
		if j, ok := idx[strings.ToLower(t)]; ok {
			skip[j] = true
		}
	}
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s) != s
		}
	}
	return false
}
