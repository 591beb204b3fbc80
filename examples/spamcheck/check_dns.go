package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/resolver"
)

// checkDNS reports the DNS facts the other checks stand on: the client's
// reverse name, the HELO name's addresses and the sender domain's mail
// exchangers.
func checkDNS(ctx context.Context, r *resolver.Resolver, in *input) []string {
	var lines []string
	if in.IP.IsValid() {
		ptr, err := r.PTR(ctx, in.IP)
		lines = append(lines, fmt.Sprintf("PTR %s: %s", in.IP, describe(ptr.Records, err)))
	}
	if in.HELO != "" {
		ips, err := r.IP(ctx, "ip", in.HELO)
		lines = append(lines, fmt.Sprintf("HELO %s: %s", in.HELO, describe(ips.Records, err)))
	}
	if _, domain, ok := strings.Cut(in.MailFrom, "@"); ok {
		mx, err := r.MX(ctx, domain)
		lines = append(lines, fmt.Sprintf("MX %s: %s", domain, describe(mx.Records, err)))
	}
	return lines
}

// describe renders records or the reason there are none.
func describe[T any](records []T, err error) string {
	switch {
	case resolver.IsNXDomain(err):
		return "no such domain (NXDOMAIN)"
	case resolver.IsNotFound(err):
		return "no records (NODATA)"
	case err != nil:
		return "lookup failed: " + err.Error()
	}
	parts := make([]string, len(records))
	for i, r := range records {
		parts[i] = fmt.Sprint(r)
	}
	return strings.Join(parts, ", ")
}
