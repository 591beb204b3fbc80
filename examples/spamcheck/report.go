package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
	"github.com/spamkit/spamkit/resolver"
	"github.com/spamkit/spamkit/session"
)

// result is one message through the session.
type result struct {
	In       *input
	Stage    string // where the verdict was given: "connect", "rcpt" or "data"
	Verdict  session.Verdict
	Stripped []byte // the message after the mime policy's strip, if it strips
	Err      error  // the session could not run (no MAIL)
}

// check drives one session over in as an MTA would, in SMTP order, and
// goes on past a refusal so that every check is shown: the refusal is the
// verdict all the same (package session keeps a refused connection's
// reply; a refused recipient is kept here).
func check(ctx context.Context, eng *session.Engine, in *input) result {
	res := result{In: in, Stage: "data"}
	s := eng.NewSession(ctx)
	defer s.Close()
	var refused *session.Reply
	note := func(stage string, r session.Reply) {
		if r.Action != session.Continue && refused == nil {
			refused, res.Stage = &r, stage
		}
	}
	note("connect", s.Connect(ctx, in.IP, ""))
	note("helo", s.Helo(ctx, in.HELO))
	note("mail", s.Mail(ctx, in.MailFrom))
	for _, to := range in.Rcpts {
		note("rcpt", s.Rcpt(ctx, to))
	}
	s.Write(in.Message)
	v, err := s.EndOfData(ctx)
	if err != nil {
		res.Err = err
	}
	if refused != nil && v.Reply != *refused {
		v.Action, v.Reply = refused.Action, *refused
	}
	if len(v.Strip) > 0 {
		res.Stripped, _ = s.StrippedBody()
	}
	res.Verdict = v
	return res
}

// print writes the checks' findings, one "  check   line" each, then the
// verdict, the table and the header fields.
func (res result) print(ctx context.Context, out io.Writer, eng *session.Engine, r *resolver.Resolver) {
	line := func(check, text string) { fmt.Fprintf(out, "  %-7s %s\n", check, text) }
	v, c, in := res.Verdict, res.Verdict.Checks, res.In
	if res.Err != nil {
		line("error", res.Err.Error())
		return
	}
	// rdns: FCrDNS (the iprev method), generic names, HELO.
	if c.FCrDNS != nil {
		line("rdns", "fcrdns "+c.FCrDNS.String())
		for _, name := range c.FCrDNS.Names {
			line("rdns", fmt.Sprintf("name %s: %s", name, eng.RDNS.Generic(name, in.IP)))
		}
	}
	if c.HELO != nil {
		line("rdns", "helo "+c.HELO.String())
	}
	// rbl: the client against the DNSBL and DNSWL.
	if c.DNSBL != nil {
		line("rbl", "client "+c.DNSBL.String())
	}
	// spf: MAIL FROM, HELO, and the Received-SPF field.
	if c.SPF != nil {
		line("spf", c.SPF.String())
	}
	if c.SPFHELO != nil && in.MailFrom != "" {
		line("spf", c.SPFHELO.String())
	}
	if c.SPF != nil {
		for l := range strings.SplitSeq(c.SPF.ReceivedSPF(), "\r\n") {
			line("spf", "  "+strings.TrimSpace(l))
		}
	}
	// mime: what the scan found and what its policy decides.
	if rep := c.MIME; rep != nil {
		named := 0
		for _, p := range rep.Parts {
			if p.Filename != "" {
				named++
			}
		}
		line("mime", fmt.Sprintf("%d parts, %d named, %d texts, %d findings", len(rep.Parts), named, len(rep.Texts), len(rep.Findings)))
		for i, f := range rep.Findings {
			if i == maxMIMELines {
				line("mime", fmt.Sprintf("... and %d more", len(rep.Findings)-i))
				break
			}
			line("mime", f.String())
		}
		if d := c.Decision; d != nil {
			line("mime", "policy: "+d.String())
			if d.Result == mime.ActionStrip && res.Stripped != nil {
				line("mime", fmt.Sprintf("stripped %v: %d body bytes left, message was %d", d.Paths, len(res.Stripped), len(in.Message)))
			}
		}
	}
	// rbl: URIBL over the decoded texts' links, hash lists.
	if c.URIBL != nil {
		for _, o := range c.URIBL.Domains {
			line("rbl", "uri "+o.String())
		}
		if c.URIBL.Unchecked > 0 || c.URIBL.Err != nil {
			line("rbl", "uri "+c.URIBL.String())
		}
	}
	for _, h := range c.HashBL {
		if o := h.Outcome; o.Result != rbl.Clean {
			if h.What == "sender" {
				line("rbl", fmt.Sprintf("sender <%s> %s score %d %v", h.Name, o.Result, o.Score, o.Hits))
			} else {
				line("rbl", fmt.Sprintf("attachment %s %s score %d %v", h.Name, o.Result, o.Score, o.Hits))
			}
		}
	}
	// dkim, dmarc, arc.
	if eng.DKIM != nil {
		for _, o := range c.DKIM {
			line("dkim", "dkim="+o.String())
		}
		if len(c.DKIM) == 0 {
			line("dkim", "dkim=none (no signature)")
		}
	}
	if ev := c.DMARC; ev != nil {
		l := fmt.Sprintf("dmarc=%s from=%s", ev.Result, ev.Domain)
		if ev.Record != nil {
			l += fmt.Sprintf(" policy=%s disposition=%s", ev.Policy, ev.Disposition)
		}
		if len(ev.Details) > 0 {
			l += " (" + strings.Join(ev.Details, "; ") + ")"
		} else if r := ev.Reason(); r != "" {
			l += " (" + r + ")"
		}
		line("dkim", l)
	}
	if ch := c.ARC; ch != nil {
		l := "arc=" + ch.Result.String()
		if ch.Instances > 0 {
			l += fmt.Sprintf(" sets=%d", ch.Instances)
		}
		if r := ch.Reason(); r != "" {
			l += " (" + r + ")"
		}
		if sealed := sealedLine(ctx, eng, r, v, in.Message); sealed != "" {
			l += "; " + sealed
		}
		line("dkim", l)
	}
	if c.Bayes != nil {
		line("bayes", c.Bayes.String())
	}

	// The verdict: the action, the reply, the table, the fields.
	at := ""
	if res.Stage != "data" {
		at = " at " + res.Stage
	}
	line("verdict", fmt.Sprintf("%s%s: %s (score %.1f, required %.1f)", v.Action, at, v.Reply, v.Score, v.Required))
	for _, row := range v.Rows {
		line("score", row.String())
	}
	for _, f := range v.Headers {
		for l := range strings.SplitSeq(f.String(), "\r\n") {
			fmt.Fprintf(out, "  %s\n", strings.Replace(l, "\t", "    ", 1))
		}
	}
}

// maxMIMELines bounds the findings printed per message.
const maxMIMELines = 5

// sealedLine reports the ARC set the session sealed (Engine.ARCSealer)
// and the verification of the sealed message.
func sealedLine(ctx context.Context, eng *session.Engine, r *resolver.Resolver, v session.Verdict, msg []byte) string {
	if eng.ARCSealer == nil {
		return ""
	}
	var set strings.Builder
	for _, f := range v.Headers {
		if strings.HasPrefix(f.Name, "ARC-") {
			set.WriteString(f.String() + "\r\n")
		}
	}
	if set.Len() == 0 {
		return "not sealed"
	}
	out, err := (&arc.Verifier{Resolver: r, Now: eng.Now}).Verify(ctx, strings.NewReader(set.String()+string(msg)))
	if err != nil || len(out.Sets) == 0 {
		return fmt.Sprintf("sealed, then arc=%s", out.Result)
	}
	s := out.Sets[len(out.Sets)-1]
	return fmt.Sprintf("sealed i=%d cv=%s d=%s s=%s, then arc=%s", s.Instance, s.CV, s.Domain, s.Selector, out.Result)
}

// jsonResult is the -json form of a result: one object per message.
type jsonResult struct {
	Name     string            `json:"name"`
	Client   string            `json:"client,omitempty"`
	HELO     string            `json:"helo,omitempty"`
	From     string            `json:"from"`
	Stage    string            `json:"stage"`
	Action   session.Action    `json:"action"`
	Reply    session.Reply     `json:"reply"`
	SMTP     string            `json:"smtp_reply"`
	Score    float64           `json:"score"`
	Required float64           `json:"required"`
	Rows     []session.Row     `json:"rows"`
	Checks   map[string]string `json:"checks"`
	Headers  []session.Field   `json:"headers"`
	Error    string            `json:"error,omitempty"`
}

// JSON returns the -json form: the rows (every check's result, rule and
// points), each check's outcome as its String, and the fields.
func (res result) JSON() jsonResult {
	v, c := res.Verdict, res.Verdict.Checks
	j := jsonResult{Name: res.In.Name, HELO: res.In.HELO, From: res.In.MailFrom, Stage: res.Stage,
		Action: v.Action, Reply: v.Reply, SMTP: v.Reply.String(), Score: v.Score, Required: v.Required,
		Rows: v.Rows, Headers: v.Headers, Checks: map[string]string{}}
	if res.In.IP.IsValid() {
		j.Client = res.In.IP.String()
	}
	if res.Err != nil {
		j.Error = res.Err.Error()
	}
	if j.Rows == nil {
		j.Rows = []session.Row{}
	}
	set := func(k string, s fmt.Stringer) { j.Checks[k] = s.String() }
	if c.FCrDNS != nil {
		set("iprev", c.FCrDNS)
	}
	if c.HELO != nil {
		set("helo", c.HELO)
	}
	if c.DNSBL != nil {
		set("dnsbl", c.DNSBL)
	}
	if c.SPF != nil {
		set("spf", c.SPF)
	}
	if c.SPFHELO != nil {
		set("spf-helo", c.SPFHELO)
	}
	var sigs []string
	for _, o := range c.DKIM {
		sigs = append(sigs, o.String())
	}
	if len(sigs) > 0 {
		j.Checks["dkim"] = strings.Join(sigs, "; ")
	}
	if c.DMARC != nil {
		set("dmarc", c.DMARC)
	}
	if c.ARC != nil {
		set("arc", c.ARC)
	}
	if c.Decision != nil {
		set("mime", c.Decision)
	}
	if c.URIBL != nil {
		set("uribl", c.URIBL)
	}
	if c.Bayes != nil {
		set("bayes", c.Bayes)
	}
	return j
}

// printSummaryLine prints one line of the -summary table.
func printSummaryLine(out io.Writer, res result) {
	v := res.Verdict
	var tests []string
	for _, r := range v.Rows {
		if r.Score != 0 {
			tests = append(tests, string(r.Rule))
		}
	}
	slices.Sort(tests)
	name := res.In.Name
	if len(name) > 48 {
		name = "..." + name[len(name)-45:]
	}
	reply := ""
	if v.Reply.Code >= 400 {
		reply = " " + v.Reply.String()
	}
	fmt.Fprintf(out, "%-48s %-10s %6.1f  %s%s\n", name, v.Action, v.Score, strings.Join(tests, ","), reply)
}

// printSummaryTotals prints how many messages got each action.
func printSummaryTotals(out io.Writer, counts map[session.Action]int, n int) {
	var parts []string
	for a := session.Accept; a <= session.Reject; a++ {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", a, counts[a]))
		}
	}
	fmt.Fprintf(out, "%d messages: %s\n", n, strings.Join(parts, ", "))
}

// errNoMessages reports inputs that hold no message.
var errNoMessages = errors.New("no messages in the input")
