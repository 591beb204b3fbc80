package session

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ErrSyntax reports a line of a score table that ParseScores cannot read.
var ErrSyntax = errors.New("session: syntax error in score table")

// MaxScoresLine bounds a line of a score table read by ParseScores.
const MaxScoresLine = 4096

// ParseScores reads a score table: one "RULE points" per line, as in
// SpamAssassin's "score RULE points" (the word "score" may lead), blank
// lines and "#" comments ignored. A rule is upper-case letters, digits and
// underscores; points are a decimal number. A later line for the same
// rule wins. Errors wrap ErrSyntax and name the line.
func ParseScores(r io.Reader) (Scores, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), MaxScoresLine)
	out := Scores{}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) == 3 && f[0] == "score" {
			f = f[1:]
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: line %d: want RULE points", ErrSyntax, n)
		}
		if !validRule(f[0]) {
			return nil, fmt.Errorf("%w: line %d: invalid rule name", ErrSyntax, n)
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil || v != v || v > 1e6 || v < -1e6 {
			return nil, fmt.Errorf("%w: line %d: invalid points", ErrSyntax, n)
		}
		out[Rule(f[0])] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %w", ErrSyntax, n+1, err)
	}
	return out, nil
}

func validRule(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// String renders the table as ParseScores reads it, one "RULE points"
// per line in rule order.
func (s Scores) String() string {
	rules := make([]Rule, 0, len(s))
	for r := range s {
		rules = append(rules, r)
	}
	slices.Sort(rules)
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(string(r))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(s[r], 'g', -1, 64))
		b.WriteByte('\n')
	}
	return b.String()
}
