package session

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestSpamStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		score float64
		rows  []Row
		want  string
	}{
		{7.24, []Row{{Rule: "SPF_FAIL", Score: 1}, {Rule: "BAYES_99", Score: 3.5}, {Rule: "DKIM_NONE"}, {Rule: "URIBL_BLACK", Score: 2.74}},
			"Yes, score=7.2 required=5.0 tests=BAYES_99,SPF_FAIL,URIBL_BLACK autolearn=no version=spamkit"},
		{-0.7, nil, "No, score=-0.7 required=5.0 tests=none autolearn=no version=spamkit"},
		// A ham that would print as the threshold prints a tenth below
		// (SpamAssassin's get_tag_value_for_score).
		{4.96, []Row{{Rule: "A", Score: 4.96}}, "No, score=4.9 required=5.0 tests=A autolearn=no version=spamkit"},
		{5.0, []Row{{Rule: "A", Score: 5}}, "Yes, score=5.0 required=5.0 tests=A autolearn=no version=spamkit"},
		{0.01, []Row{{Rule: "A", Score: 0.01}}, "No, score=0.0 required=5.0 tests=A autolearn=no version=spamkit"},
	}
	for _, tt := range tests {
		v := &Verdict{Score: tt.score, Required: 5, Rows: tt.rows}
		got := strings.NewReplacer("\r\n\t", " ").Replace(spamStatus(v))
		if got != " "+tt.want {
			t.Errorf("spamStatus(score %v) = %q, want %q", tt.score, got, " "+tt.want)
		}
	}
	// Long lists fold between tests, each line within 78 columns.
	var rows []Row
	for _, r := range []Rule{Bayes99, Bayes999, SPFFail, DKIMInvalid, DMARCReject, RDNSNone, RDNSDynamic, HELOBareIP, URIBLListed, HashBLListed} {
		rows = append(rows, Row{Rule: r, Score: 1})
	}
	st := "X-Spam-Status:" + spamStatus(&Verdict{Score: 10, Required: 5, Rows: rows})
	for l := range strings.SplitSeq(st, "\r\n") {
		if len(l) > 78 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	if !strings.Contains(st, "\r\n\t") {
		t.Errorf("a long X-Spam-Status is not folded: %q", st)
	}
}

func TestSplitFields(t *testing.T) {
	t.Parallel()
	got := splitFields("ARC-Seal: i=1; a=rsa-sha256;\r\n\tb=abc\r\nARC-Message-Signature: i=1;\r\n b=x\r\nARC-Authentication-Results: i=1; mx; spf=pass\r\n")
	want := []Field{{"ARC-Seal", " i=1; a=rsa-sha256;\r\n\tb=abc"}, {"ARC-Message-Signature", " i=1;\r\n b=x"}, {"ARC-Authentication-Results", " i=1; mx; spf=pass"}}
	if len(got) != len(want) {
		t.Fatalf("splitFields = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestParseScores(t *testing.T) {
	t.Parallel()
	got, err := ParseScores(strings.NewReader("# local scores\nscore SPF_FAIL 3.0\nBAYES_99 5 # more\n\nDKIM_VALID -0.5\nSPF_FAIL 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Scores{SPFFail: 2, Bayes99: 5, DKIMValid: -0.5}
	if !maps.Equal(got, want) {
		t.Errorf("ParseScores = %v, want %v", got, want)
	}
	for _, bad := range []string{"SPF_FAIL", "spf_fail 1", "SPF_FAIL one", "SPF_FAIL 1 2", "SPF_FAIL NaN", "SPF_FAIL 1e9", strings.Repeat("A", MaxScoresLine+1) + " 1"} {
		if _, err := ParseScores(strings.NewReader(bad)); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseScores(%.40q) = %v, want ErrSyntax", bad, err)
		}
	}
	// DefaultScores round-trips through its text.
	d, err := ParseScores(strings.NewReader(DefaultScores().String()))
	if err != nil || !maps.Equal(d, DefaultScores()) {
		t.Errorf("DefaultScores round trip = %v, %v", d, err)
	}
}

// TestScoresOverride: a rule missing from Engine.Scores scores as in
// DefaultScores; one set to 0 is off.
func TestScoresOverride(t *testing.T) {
	t.Parallel()
	e := &Engine{Scores: Scores{SPFFail: 0, Bayes99: 9}}
	if e.score(SPFFail) != 0 || e.score(Bayes99) != 9 || e.score(DMARCReject) != defaultScores[DMARCReject] {
		t.Errorf("scores: SPF_FAIL %v BAYES_99 %v DMARC_REJECT %v", e.score(SPFFail), e.score(Bayes99), e.score(DMARCReject))
	}
	DefaultScores()[SPFFail] = 100
	if defaultScores[SPFFail] == 100 {
		t.Errorf("DefaultScores returned the package's own map")
	}
}
