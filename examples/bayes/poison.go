package main

import (
	"bytes"
	_ "embed"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"strings"
)

// poisonWords is a list of common English words composed for this command
// (no dictionary is assumed on the machine); -poison-words replaces it.
//
//go:embed testdata/words.txt
var poisonWords string

// words returns the non-empty lines of a word list.
func words(list string) []string {
	return strings.Fields(list)
}

// poison returns msg with n words of dict appended as a last text
// paragraph, drawn at random by a generator seeded from name and seed, so
// that every filter sees the same bytes. (Bayesian poisoning: innocent
// words meant to pull the score towards ham.) In a multipart message the
// words land after the last part, where a MIME reader may not look, as
// they do for spammers' tools that append them so.
func poison(msg []byte, name string, n int, dict []string, seed uint64) []byte {
	if n <= 0 || len(dict) == 0 {
		return msg
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	out := bytes.Clone(msg)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, '\n')
	col := 0
	for i := range n {
		w := dict[r.IntN(len(dict))]
		if col > 0 && col+1+len(w) > 72 {
			out = append(out, '\n')
			col = 0
		} else if i > 0 {
			out = append(out, ' ')
			col++
		}
		out = append(out, w...)
		col += len(w)
	}
	return append(out, '\n')
}

// neutralizer removes every host name in a domain from messages.
type neutralizer struct {
	domain string
	re     *regexp.Regexp
}

// newNeutralizer returns a neutralizer for domain ("" for none).
func newNeutralizer(domain string) *neutralizer {
	if domain == "" {
		return nil
	}
	return &neutralizer{
		domain: strings.ToLower(domain),
		re:     regexp.MustCompile(`(?i)(?:[a-z0-9_-]+\.)*` + regexp.QuoteMeta(domain)),
	}
}

// bytes returns msg without the domain's host names (deleted, so that no
// replacement token stands for them), and whether it had any.
func (z *neutralizer) bytes(msg []byte) ([]byte, bool) {
	if z == nil || !bytes.Contains(bytes.ToLower(msg), []byte(z.domain)) {
		return msg, false
	}
	return z.re.ReplaceAll(msg, nil), true
}

// tokens drops the tokens that still name the domain (in place).
func (z *neutralizer) tokens(list []string) []string {
	if z == nil {
		return list
	}
	out := list[:0]
	for _, t := range list {
		if !strings.Contains(t, z.domain) {
			out = append(out, t)
		}
	}
	return out
}
