package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
)

func init() { register(rankDKIM, "dkim", checkDKIM) }

// demoServID is the authserv-id of the demo's receiving MTA (the samples'
// Received fields say "by mx.example.org").
const demoServID = "mx.example.org"

// arcDemoKey is the TEST-ONLY key mx.example.org seals ARC sets with in
// the demo; its public record is arc2026._domainkey.example.org in
// testdata/zones/dkim.zone (testdata/dkim/gen.go).
//
//go:embed testdata/dkim/example.org-arc2026.pem
var arcDemoKey []byte

// checkDKIM verifies the message's DKIM signatures and ARC chain,
// evaluates DMARC with the spf check's result, and prints the
// Authentication-Results field an MTA would add. In the demo it also
// seals an ARC set as mx.example.org and verifies the sealed message.
func checkDKIM(ctx context.Context, e *env, in *input) ([]string, error) {
	r := bytes.NewReader(in.Message)
	br := bufio.NewReader(r)
	h, err := dkim.ReadHeader(br, 0)
	if err != nil {
		return nil, err
	}
	// The body starts where the header reading stopped: what r has not
	// given br, and what br holds unread.
	body := in.Message[len(in.Message)-r.Len()-br.Buffered():]
	now := func() time.Time { return e.Now }
	var lines []string

	// DKIM (RFC 6376): one line per signature.
	dv := &dkim.Verifier{Resolver: e.Resolver, Now: now}
	sigs, err := dv.VerifyHeader(ctx, h, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for i := range sigs {
		lines = append(lines, "dkim="+sigs[i].String())
	}
	if len(sigs) == 0 {
		lines = append(lines, "dkim=none (no signature)")
	}

	// DMARC (RFC 7489), with the SPF result of the spf check.
	spf := dmarc.SPF{Result: in.SPFResult, Domain: in.SPFDomain}
	if spf.Result == "" {
		spf.Result = "none" // the spf check did not run
	}
	ev := (&dmarc.Evaluator{Resolver: e.Resolver}).Evaluate(ctx, dmarc.Input{
		FromDomains: dmarc.FromDomains(h), SPF: spf, DKIM: sigs,
	})
	line := fmt.Sprintf("dmarc=%s from=%s", ev.Result, ev.Domain)
	if ev.Record != nil {
		line += fmt.Sprintf(" policy=%s disposition=%s", ev.Policy, ev.Disposition)
	}
	if len(ev.Reasons) > 0 {
		line += " (" + strings.Join(ev.Reasons, "; ") + ")"
	} else if ev.Err != nil {
		line += " (" + ev.Err.Error() + ")"
	}
	lines = append(lines, line)

	// ARC (RFC 8617): the incoming chain.
	av := &arc.Verifier{Resolver: e.Resolver}
	chain, err := av.VerifyHeader(ctx, h, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	line = "arc=" + chain.Result.String()
	if chain.Instances > 0 {
		line += fmt.Sprintf(" sets=%d", chain.Instances)
	}
	if chain.Err != nil {
		line += " (" + chain.Err.Error() + ")"
	}

	// Authentication-Results (RFC 8601), every method above.
	servID := demoServID
	if !e.Demo {
		if host, err := os.Hostname(); err == nil {
			servID = host
		}
	}
	ar := authres.Header{ServID: servID}
	if in.SPFResult != "" {
		r := authres.Result{Method: "spf", Value: in.SPFResult}
		if in.MailFrom != "" {
			r.Props = []authres.Prop{{Type: "smtp", Property: "mailfrom", Value: in.MailFrom}}
		} else {
			r.Props = []authres.Prop{{Type: "smtp", Property: "helo", Value: in.HELO}}
		}
		ar.Results = append(ar.Results, r)
	}
	for i := range sigs {
		ar.Results = append(ar.Results, sigs[i].AuthResult())
	}
	if len(sigs) == 0 {
		ar.Results = append(ar.Results, authres.Result{Method: "dkim", Value: "none"})
	}
	ar.Results = append(ar.Results, ev.AuthResult(), chain.AuthResult())

	// In the demo, seal the message as mx.example.org would before
	// forwarding it (RFC 8617 §5.1), and check the new chain.
	if e.Demo {
		sealed, err := demoSeal(ctx, e, in.Message, ar.Results, chain.Result)
		if err != nil {
			return nil, err
		}
		line += "; " + sealed
	}
	lines = append(lines, line)
	for l := range strings.SplitSeq(strings.TrimSuffix(ar.Field(), "\r\n"), "\r\n") {
		lines = append(lines, strings.Replace(l, "\t", "    ", 1))
	}
	return lines, nil
}

// demoSeal adds an ARC set to msg with the demo key and reports the set
// and the verification of the sealed message.
func demoSeal(ctx context.Context, e *env, msg []byte, results []authres.Result, cv arc.Result) (string, error) {
	key, err := dkim.ParsePrivateKey(arcDemoKey)
	if err != nil {
		return "", err
	}
	s := &arc.Sealer{Domain: "example.org", Selector: "arc2026", Key: key, AuthServID: demoServID,
		Now: func() time.Time { return e.Now }}
	fields, err := s.Seal(bytes.NewReader(msg), results, cv)
	if err != nil {
		return "", err
	}
	out, err := (&arc.Verifier{Resolver: e.Resolver}).Verify(ctx, strings.NewReader(fields+string(msg)))
	if err != nil {
		return "", err
	}
	set := out.Sets[len(out.Sets)-1]
	return fmt.Sprintf("sealed i=%d cv=%s d=%s s=%s, then arc=%s", set.Instance, set.CV, set.Domain, set.Selector, out.Result), nil
}
