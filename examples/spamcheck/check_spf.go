package main

import (
	"context"
	"strings"
	"time"

	"github.com/spamkit/spamkit/spf"
)

func init() { register(rankSPF, "spf", checkSPF) }

// checkSPF checks the MAIL FROM identity (postmaster@HELO for the null
// sender) and the HELO identity with SPF (RFC 7208), prints both results
// and the Received-SPF header field an MTA would add, and passes the
// MAIL FROM result on to DMARC.
func checkSPF(ctx context.Context, e *env, in *input) ([]string, error) {
	c := &spf.Checker{
		Resolver:     e.Resolver,
		ReceiverHost: "mx.example.org",
		Now:          func() time.Time { return e.Now },
	}
	o, err := c.Check(ctx, in.IP, in.HELO, in.MailFrom)
	if err != nil {
		// The envelope cannot be checked (e.g. a MAIL FROM that is no
		// RFC 5321 path): no SPF result, and nothing for DMARC.
		return nil, err
	}
	in.SPFResult, in.SPFDomain = string(o.Result), o.Domain
	in.Results = append(in.Results, o.AuthResult())
	lines := []string{o.String()}
	if in.MailFrom != "" && in.HELO != "" {
		if h, err := c.CheckHELO(ctx, in.IP, in.HELO); err == nil {
			lines = append(lines, h.String())
		}
	}
	for _, l := range strings.Split(o.ReceivedSPF(), "\r\n") {
		lines = append(lines, "  "+strings.TrimSpace(l))
	}
	return lines, nil
}
