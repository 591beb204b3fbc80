package bayes

import (
	"errors"
	"math"
	"slices"
)

// errorsIs is errors.Is, named so that result.go reads without the import.
var errorsIs = errors.Is

// robinsonF returns Robinson's f(w) for a token found in spam of the ns
// spam messages and ham of the nh ham messages:
//
//	p(w) = (spam/ns) / (spam/ns + ham/nh)
//	f(w) = (s·x + n·p(w)) / (s + n),  n = spam + ham
//
// (Robinson 2003, "A Statistical Approach to the Spam Problem", eq. 1 and
// 2; bogofilter's robinson.c computes the same). A token with no counts,
// or counts against an empty class total only, is x.
func robinsonF(spam, ham uint32, ns, nh uint64, s, x float64) float64 {
	var bad, good float64
	if ns > 0 {
		bad = float64(spam) / float64(ns)
	}
	if nh > 0 {
		good = float64(ham) / float64(nh)
	}
	n := float64(spam) + float64(ham)
	if bad+good == 0 || n == 0 {
		return x
	}
	pw := bad / (bad + good)
	return (s*x + n*pw) / (s + n)
}

// chi2Q returns the probability that a chi-square variable with 2n
// degrees of freedom exceeds chi: the upper tail Q(chi | 2n), which for an
// even number of degrees of freedom is
//
//	exp(-m) · Σ_{i=0}^{n-1} m^i / i!,  m = chi/2.
//
// The terms are summed in log space so that neither exp(-m) nor m^i/i!
// under- or overflows for large m and n.
func chi2Q(chi float64, n int) float64 {
	if n <= 0 {
		return 1
	}
	if chi <= 0 {
		return 1
	}
	m := chi / 2
	lm := math.Log(m)
	// log of the terms t_i = -m + i·ln m - ln i!; the largest is at
	// i ≈ m (or at the last one).
	imax := min(n-1, int(m))
	lg, _ := math.Lgamma(float64(imax) + 1)
	peak := -m + float64(imax)*lm - lg
	sum := 0.0
	lt := -m // t_0
	for i := 0; i < n; i++ {
		if i > 0 {
			lt += lm - math.Log(float64(i))
		}
		d := lt - peak
		if d > -745 {
			sum += math.Exp(d)
		} else if i > imax {
			break // decreasing past the peak and already negligible
		}
	}
	q := math.Exp(peak) * sum
	return min(q, 1)
}

// fisher combines the f(w) of the significant tokens as Robinson's
// indicator (Robinson 2003, "Fisher's method"):
//
//	H = Q(-2 Σ ln f(w), 2n)      (near 1 when the f(w) are high)
//	S = Q(-2 Σ ln (1-f(w)), 2n)  (near 1 when they are low)
//	I = (1 + H - S) / 2
//
// With no token it is 0.5.
func fisher(fs []float64) float64 {
	if len(fs) == 0 {
		return 0.5
	}
	var lnP, lnQ float64
	for _, f := range fs {
		lnP += math.Log(f)
		lnQ += math.Log1p(-f)
	}
	h := chi2Q(-2*lnP, len(fs))
	s := chi2Q(-2*lnQ, len(fs))
	return (1 + h - s) / 2
}

// verdict maps a score to a Result by the cutoffs (bogofilter: spam at or
// above spam_cutoff, ham at or below ham_cutoff, unsure between).
func verdict(p params, score float64) Result {
	switch {
	case score >= p.spam:
		return Spam
	case p.ham < 0 || score <= p.ham:
		return Ham
	}
	return Unsure
}

// score computes the Outcome of tokens with their counts.
func score(p params, tokens []string, counts []Count, t Totals) Outcome {
	o := Outcome{Tokens: len(tokens), Totals: t}
	fs := make([]float64, 0, len(tokens))
	var skip []bool
	if p.degenerate {
		skip = make([]bool, len(tokens))
		degenerate(tokens, counts, skip)
	}
	var clues []Clue
	if p.clues > 0 {
		clues = make([]Clue, 0, p.clues+1)
	}
	for i, c := range counts {
		if skip != nil && skip[i] {
			continue
		}
		f := robinsonF(c.Spam, c.Ham, t.Spam, t.Ham, p.robs, p.robx)
		dev := math.Abs(f - 0.5)
		if dev < p.minDev {
			continue
		}
		// f is in (0, 1) for s > 0; with s = 0 it may be 0 or 1 exactly,
		// which would make a logarithm infinite: keep it just inside.
		f = min(max(f, 1e-15), 1-1e-15)
		fs = append(fs, f)
		if p.clues > 0 && (len(clues) < p.clues || dev > math.Abs(clues[len(clues)-1].F-0.5)) {
			cl := Clue{Token: tokens[i], Spam: c.Spam, Ham: c.Ham, F: f}
			at, _ := slices.BinarySearchFunc(clues, dev, func(c Clue, d float64) int {
				if math.Abs(c.F-0.5) >= d {
					return -1
				}
				return 1
			})
			clues = slices.Insert(clues, at, cl)
			if len(clues) > p.clues {
				clues = clues[:p.clues]
			}
		}
	}
	o.Used = len(fs)
	if p.hamESF != 1 || p.spamESF != 1 {
		o.Score = fisherESF(fs, p.hamESF, p.spamESF)
	} else {
		o.Score = fisher(fs)
	}
	o.Result = verdict(p, o.Score)
	o.Clues = clues
	return o
}
