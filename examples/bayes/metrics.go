package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spamkit/spamkit/bayes"
)

// metrics are one filter's results over all folds of a corpus.
type metrics struct {
	HamAsSpam, HamUnsure, HamAsHam    int // ham verdicts: FP, unsure, correct
	SpamAsHam, SpamUnsure, SpamAsSpam int // spam verdicts: FN, unsure, caught
	HamScores, SpamScores             []float64
	ClassifyN, TrainN                 int     // messages classified, trained (all folds)
	ClassifySec, TrainSec             float64 // wall time spent on them
	ClassifyCPU, TrainCPU             float64 // CPU time spent on them (user+system)
	DBBytes                           int64   // database size after training fold 1 (0: unknown)
	DBBytesTrained                    int64   // spamkit: the same before compaction (0: none)
	TunePasses                        []int   // -train tune: passes made per fold
	TuneTrained, TuneConverged        int     // -train tune: messages registered, folds converged
}

// addTune counts one fold's tune regime.
func (m *metrics) addTune(st bayes.Rounds) {
	m.TunePasses = append(m.TunePasses, st.Rounds)
	m.TuneTrained += st.Trained
	m.TuneConverged += boolInt(st.Errors == 0)
}

// tuneRows are the lines of the table on the tune regime: passes per
// fold, folds whose last pass registered nothing, and messages
// registered (as a share of the messages the passes went over, TrainN,
// each counted once per fold).
func (m *metrics) tuneRows() []string {
	passes := make([]string, len(m.TunePasses))
	for i, p := range m.TunePasses {
		passes[i] = strconv.Itoa(p)
	}
	return []string{
		strings.Join(passes, ","),
		fmt.Sprintf("%d/%d", m.TuneConverged, len(m.TunePasses)),
		fmt.Sprintf("%d (%.2f%%)", m.TuneTrained, pct(m.TuneTrained, m.TrainN)),
	}
}

var tuneRowNames = []string{"tune passes per fold", "folds converged", "messages trained"}

// add counts one classified message of class (Ham or Spam).
func (m *metrics) add(class, verdict bayes.Result, score float64) {
	if class == bayes.Ham {
		m.HamScores = append(m.HamScores, score)
		switch verdict {
		case bayes.Spam:
			m.HamAsSpam++
		case bayes.Ham:
			m.HamAsHam++
		default:
			m.HamUnsure++
		}
		return
	}
	m.SpamScores = append(m.SpamScores, score)
	switch verdict {
	case bayes.Spam:
		m.SpamAsSpam++
	case bayes.Ham:
		m.SpamAsHam++
	default:
		m.SpamUnsure++
	}
}

func (m *metrics) hams() int  { return m.HamAsSpam + m.HamUnsure + m.HamAsHam }
func (m *metrics) spams() int { return m.SpamAsHam + m.SpamUnsure + m.SpamAsSpam }

// pct is 100·n/d, 0 when d is 0.
func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// rate is n/sec, 0 when sec is 0.
func rate(n int, sec float64) float64 {
	if sec <= 0 {
		return 0
	}
	return float64(n) / sec
}

// auc is the area under the ROC curve of scores that rank spam above ham:
// the probability that a random spam scores above a random ham, ties
// counting one half (the Mann-Whitney U statistic over |spam|·|ham|). It
// is 0 when a class is empty.
func auc(ham, spam []float64) float64 {
	if len(ham) == 0 || len(spam) == 0 {
		return 0
	}
	type obs struct {
		s    float64
		spam bool
	}
	all := make([]obs, 0, len(ham)+len(spam))
	for _, s := range ham {
		all = append(all, obs{s, false})
	}
	for _, s := range spam {
		all = append(all, obs{s, true})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s })
	// Rank sum of spam with mid-ranks for ties (ranks from 1).
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].s == all[i].s {
			j++
		}
		mid := float64(i+1+j) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].spam {
				rankSum += mid
			}
		}
		i = j
	}
	ns, nh := float64(len(spam)), float64(len(ham))
	u := rankSum - ns*(ns+1)/2
	return u / (ns * nh)
}

// rows are the lines of the side-by-side table for m.
func (m *metrics) rows() []string {
	h, s := m.hams(), m.spams()
	r := []string{
		fmt.Sprintf("%d (%.3f%%)", m.HamAsSpam, pct(m.HamAsSpam, h)),
		fmt.Sprintf("%d (%.3f%%)", m.SpamAsHam, pct(m.SpamAsHam, s)),
		fmt.Sprintf("%d (%.2f%%)", m.HamUnsure, pct(m.HamUnsure, h)),
		fmt.Sprintf("%d (%.2f%%)", m.SpamUnsure, pct(m.SpamUnsure, s)),
		fmt.Sprintf("%d (%.2f%%)", m.SpamAsSpam, pct(m.SpamAsSpam, s)),
		fmt.Sprintf("%.6f", 1-auc(m.HamScores, m.SpamScores)),
		fmt.Sprintf("%.0f", rate(m.ClassifyN, m.ClassifySec)),
		fmt.Sprintf("%.0f", rate(m.TrainN, m.TrainSec)),
		fmt.Sprintf("%.0f", rate(m.ClassifyN, m.ClassifyCPU)),
		fmt.Sprintf("%.0f", rate(m.TrainN, m.TrainCPU)),
	}
	switch {
	case m.DBBytes > 0 && m.DBBytesTrained > 0:
		r = append(r, fmt.Sprintf("%d (%d)", m.DBBytes, m.DBBytesTrained))
	case m.DBBytes > 0:
		r = append(r, fmt.Sprintf("%d", m.DBBytes))
	default:
		r = append(r, "-")
	}
	return r
}

// rowNames label rows.
var rowNames = []string{
	"FP (ham as spam)",
	"FN (spam as ham)",
	"unsure ham",
	"unsure spam",
	"spam caught",
	"1-AUC",
	"classify msg/s",
	"train msg/s",
	"classify msg/CPU-s",
	"train msg/CPU-s",
	"database bytes (fold 1)",
}

// poisonRows are the lines of the poisoning table: test spam only.
func (m *metrics) poisonRows() []string {
	s := m.spams()
	return []string{
		fmt.Sprintf("%d (%.3f%%)", m.SpamAsHam, pct(m.SpamAsHam, s)),
		fmt.Sprintf("%d (%.2f%%)", m.SpamUnsure, pct(m.SpamUnsure, s)),
		fmt.Sprintf("%d (%.2f%%)", m.SpamAsSpam, pct(m.SpamAsSpam, s)),
	}
}

var poisonRowNames = []string{"FN (spam as ham)", "unsure spam", "spam caught"}
