package main

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/spamkit/spamkit/rdns"
)

func init() { register(rankRDNS, "rdns", checkRDNS) }

// checkRDNS reports the client's forward-confirmed reverse DNS (the iprev
// method of Authentication-Results, RFC 8601 §3), whether its reverse
// names look dynamic (S25R rules, address embedded in the name), and what
// its HELO name says, for a receiver named mx.example.org at 203.0.113.25.
func checkRDNS(ctx context.Context, e *env, in *input) ([]string, error) {
	c := &rdns.Checker{
		Resolver:  e.Resolver,
		HostNames: []string{"mx.example.org"},
		HostIPs:   []netip.Addr{netip.MustParseAddr("203.0.113.25")},
	}
	f, err := c.FCrDNS(ctx, in.IP)
	if err != nil {
		return nil, err
	}
	in.Results = append(in.Results, f.AuthResult())
	lines := []string{"fcrdns " + f.String()}
	for _, name := range f.Names {
		lines = append(lines, fmt.Sprintf("name %s: %s", name, c.Generic(name, in.IP)))
	}
	if in.HELO != "" {
		h, err := c.CheckHELO(ctx, in.IP, in.HELO)
		if err != nil {
			return lines, err
		}
		lines = append(lines, "helo "+h.String())
	}
	return lines, nil
}
