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
	o := c.Check(ctx, in.IP, in.HELO, in.MailFrom)
	in.SPFResult, in.SPFDomain = string(o.Result), o.Domain
	lines := []string{o.String()}
	if in.MailFrom != "" && in.HELO != "" {
		h := c.CheckHELO(ctx, in.IP, in.HELO)
		lines = append(lines, h.String())
	}
	for _, l := range strings.Split(o.ReceivedSPF(), "\r\n") {
		lines = append(lines, "  "+strings.TrimSpace(l))
	}
	return lines, nil
}
