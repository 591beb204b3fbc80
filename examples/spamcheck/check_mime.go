package main

import (
	"context"
	"fmt"

	"github.com/spamkit/spamkit/mime"
)

func init() { register(rankMIME, "mime", checkMIME) }

// maxMIMELines bounds the findings printed per message.
const maxMIMELines = 5

// checkMIME scans the message's MIME structure and the archives it
// carries with the default limits, prints the findings and what the
// default policy decides, and, for a strip decision, what stripping
// leaves.
func checkMIME(ctx context.Context, e *env, in *input) ([]string, error) {
	var s mime.Scanner
	r, err := s.Scan(ctx, in.Message)
	if err != nil {
		return nil, err
	}
	attachments := 0
	for _, p := range r.Parts {
		if p.Filename != "" {
			attachments++
		}
	}
	lines := []string{fmt.Sprintf("%d parts, %d named, %d findings", len(r.Parts), attachments, len(r.Findings))}
	for i, f := range r.Findings {
		if i == maxMIMELines {
			lines = append(lines, fmt.Sprintf("... and %d more", len(r.Findings)-i))
			break
		}
		lines = append(lines, f.String())
	}
	d := mime.Policy{}.Decide(r)
	lines = append(lines, "policy: "+d.String())
	if d.Action == mime.ActionStrip {
		out, err := mime.Strip(in.Message, r, d.Match)
		if err != nil {
			return lines, err
		}
		lines = append(lines, fmt.Sprintf("stripped %v: %d bytes, was %d", d.Paths, len(out), len(in.Message)))
	}
	return lines, nil
}
