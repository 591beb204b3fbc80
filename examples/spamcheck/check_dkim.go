package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/dkim/dmarc"
)

func init() { register(rankDKIM, "dkim", checkDKIM) }

// arcDemoKey is the TEST-ONLY key mx.example.org seals ARC sets with in
// the demo; its public record is arc2026._domainkey.example.org in
// testdata/zones/dkim.zone (testdata/dkim/gen.go).
//
//go:embed testdata/dkim/example.org-arc2026.pem
var arcDemoKey []byte

// checkDKIM verifies the message's DKIM signatures and ARC chain,
// evaluates DMARC with the spf check's result, and adds the three to the
// message's Authentication-Results. The body is fed as a milter would:
// in chunks, once, to one dkim.Body that the DKIM and the ARC streams
// share. In the demo it also seals an ARC set as mx.example.org and
// verifies the sealed message.
func checkDKIM(ctx context.Context, e *env, in *input) ([]string, error) {
	br := bufio.NewReader(bytes.NewReader(in.Message))
	h, n, err := dkim.ReadHeader(br, 0)
	if err != nil {
		return nil, err
	}
	body := in.Message[n:]
	now := func() time.Time { return e.Now }
	var lines []string

	// DKIM (RFC 6376) and ARC (RFC 8617), streamed over one body.
	var shared dkim.Body
	ds, err := (&dkim.Verifier{Resolver: e.Resolver, Now: now}).Begin(ctx, h, &shared)
	if err != nil {
		return nil, err
	}
	as, err := (&arc.Verifier{Resolver: e.Resolver}).Begin(ctx, h, &shared)
	if err != nil {
		ds.Close()
		return nil, err
	}
	for len(body) > 0 {
		chunk := body[:min(len(body), 64<<10)] // a milter's body chunk
		if _, err := shared.Write(chunk); err != nil {
			ds.Close()
			as.Close()
			return nil, err
		}
		body = body[len(chunk):]
	}
	sigs, chain := ds.Close(), as.Close()
	for _, o := range sigs {
		lines = append(lines, "dkim="+o.String())
	}
	if len(sigs) == 0 {
		lines = append(lines, "dkim=none (no signature)")
	}

	// DMARC (RFC 7489), with the SPF result of the spf check.
	spf := dmarc.SPF{Result: in.SPFResult, Domain: in.SPFDomain}
	if spf.Result == "" {
		spf.Result = "none" // the spf check did not run
	}
	ev, err := (&dmarc.Evaluator{Resolver: e.Resolver}).Evaluate(ctx, dmarc.Input{
		FromDomains: dmarc.FromDomains(h), Header: h, SPF: spf, DKIM: sigs,
	})
	if err != nil {
		return lines, err
	}
	line := fmt.Sprintf("dmarc=%s from=%s", ev.Result, ev.Domain)
	if ev.Record != nil {
		line += fmt.Sprintf(" policy=%s disposition=%s", ev.Policy, ev.Disposition)
	}
	if len(ev.Details) > 0 {
		line += " (" + strings.Join(ev.Details, "; ") + ")"
	} else if r := ev.Reason(); r != "" {
		line += " (" + r + ")"
	}
	lines = append(lines, line)

	line = "arc=" + chain.Result.String()
	if chain.Instances > 0 {
		line += fmt.Sprintf(" sets=%d", chain.Instances)
	}
	if r := chain.Reason(); r != "" {
		line += " (" + r + ")"
	}
	in.Results = append(in.Results, dkim.AuthResults(sigs)...)
	in.Results = append(in.Results, ev.AuthResult(), chain.AuthResult())

	// In the demo, seal the message as mx.example.org would before
	// forwarding it (RFC 8617 §5.1), and check the new chain.
	if e.Demo {
		sealed, err := demoSeal(ctx, e, in.Message, in.Results, chain.Result)
		if err != nil {
			return nil, err
		}
		line += "; " + sealed
	}
	lines = append(lines, line)
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
