package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spamkit/spamkit/mime"
)

func init() { registerContent(rankMIME, "mime", checkMIME) }

// maxMIMELines bounds the findings printed per message.
const maxMIMELines = 5

// checkMIME scans the message's MIME structure and the archives it
// carries with the default limits, prints the findings and what the
// default policy decides, and, for a strip decision, what stripping
// leaves. It keeps the report for the checks that read the decoded texts
// and attachment digests (URIBL, hash lists).
func checkMIME(ctx context.Context, e *env, in *input) ([]string, error) {
	var s mime.Scanner
	r := s.Scan(ctx, in.Message)
	in.Report = &r
	attachments := 0
	for _, p := range r.Parts {
		if p.Filename != "" {
			attachments++
		}
	}
	lines := []string{fmt.Sprintf("%d parts, %d named, %d texts, %d findings", len(r.Parts), attachments, len(r.Texts), len(r.Findings))}
	for i, f := range r.Findings {
		if i == maxMIMELines {
			lines = append(lines, fmt.Sprintf("... and %d more", len(r.Findings)-i))
			break
		}
		lines = append(lines, f.String())
	}
	o := mime.Policy{}.Decide(r)
	line := "policy: " + o.String()
	if o.Result == mime.ActionReject {
		// The SMTP reply an MTA would give: 451 when the scan ran out of
		// time (try again later), else 554 (RFC 5321 §4.2.2, RFC 3463).
		reply := "554 5.7.1 " + o.Reason()
		if errors.Is(o.Err, mime.ErrTime) {
			reply = "451 4.7.1 " + o.Reason()
		}
		line += "; reply " + reply
	}
	lines = append(lines, line)
	if o.Result == mime.ActionStrip {
		out, err := mime.Strip(in.Message, r, o.Match)
		if err != nil {
			return lines, err
		}
		lines = append(lines, fmt.Sprintf("stripped %v: %d bytes, was %d", o.Paths, len(out), len(in.Message)))
	}
	return lines, nil
}
