package dmarc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// orgZone: shared.example publishes psd=y, which the public suffix list
// does not know; corp.example is an organization; dept.big.example
// says psd=n below big.example's record; flaky.example's servers fail
// above rec.flaky.example's record, broken.example's with none below.
const orgZone = `
$TTL 300
_dmarc.shared.example.      IN TXT "v=DMARC1; p=none; psd=y"
_dmarc.a.shared.example.    IN TXT "v=DMARC1; p=reject"
_dmarc.corp.example.        IN TXT "v=DMARC1; p=reject"
_dmarc.big.example.         IN TXT "v=DMARC1; p=reject"
_dmarc.dept.big.example.    IN TXT "v=DMARC1; p=none; psd=n"
_dmarc.rec.flaky.example.   IN TXT "v=DMARC1; p=reject"
`

func TestOrganizationalDomain(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: orgZone})
	srv.Fail("_dmarc.x.broken.example", resolvertest.TypeTXT, resolvertest.ServFail)
	srv.Fail("_dmarc.flaky.example", resolvertest.TypeTXT, resolvertest.ServFail)
	for _, tc := range []struct {
		mode    dmarc.Mode
		domain  string
		want    string
		maxQ    int // most _dmarc queries, 0: not checked
		wantErr error
	}{
		// psd=y stops the walk: the organizational domain is the name
		// one label below it, where the PSL sees shared.example.
		{dmarc.ModeRFC9989, "b.shared.example", "b.shared.example", 2, nil},
		{dmarc.ModeRFC9989, "x.y.b.shared.example", "b.shared.example", 4, nil},
		{dmarc.ModeRFC9989, "a.shared.example", "a.shared.example", 2, nil},
		{dmarc.ModeRFC7489, "b.shared.example", "shared.example", 0, nil},
		{"", "reports.corp.example", "corp.example", 3, nil},
		// Ten labels: the walk jumps from the name to its last seven,
		// eight queries at most, and finds corp.example's record.
		{dmarc.ModeRFC9989, "a.b.c.d.e.f.g.h.corp.example", "corp.example", dmarc.MaxWalkQueries, nil},
		// psd=n stops the walk below big.example's record.
		{dmarc.ModeRFC9989, "www.dept.big.example", "dept.big.example", 2, nil},
		{dmarc.ModeRFC9989, "www.big.example", "big.example", 0, nil},
		// No record anywhere: the domain itself.
		{dmarc.ModeRFC9989, "mail.nowhere.example", "mail.nowhere.example", 3, nil},
		// Lower case, no trailing dot, A-labels.
		{dmarc.ModeRFC9989, "B.Shared.Example.", "b.shared.example", 0, nil},
		{dmarc.ModeRFC9989, "bücher.corp.example", "corp.example", 0, nil},
		{dmarc.ModeRFC9989, "[192.0.2.1]", "[192.0.2.1]", 0, nil},
		// A failure above a record ends the walk at the record.
		{dmarc.ModeRFC9989, "rec.flaky.example", "rec.flaky.example", 0, nil},
		// A failure with no record below it: try again later.
		{dmarc.ModeRFC9989, "x.broken.example", "", 0, dmarc.ErrDNS},
	} {
		t.Run(string(tc.mode)+" "+tc.domain, func(t *testing.T) {
			srv.ResetQueries()
			e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: tc.mode}
			got, err := e.OrganizationalDomain(context.Background(), tc.domain)
			if got != tc.want || !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("OrganizationalDomain(%q) = %q, %v; want %q, %v", tc.domain, got, err, tc.want, tc.wantErr)
			}
			q := len(srv.Queries())
			if tc.mode == dmarc.ModeRFC7489 && q != 0 {
				t.Errorf("%d queries in RFC 7489 mode, want 0", q)
			}
			if tc.maxQ > 0 && q > tc.maxQ {
				t.Errorf("%d queries, want at most %d: %v", q, tc.maxQ, srv.Queries())
			}
		})
	}
}

// TestOrganizationalDomainOverride: in RFC 7489 mode Evaluator.OrgDomain
// answers; in RFC 9989 mode the tree walk does, whatever OrgDomain says.
func TestOrganizationalDomainOverride(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: orgZone})
	override := func(string) string { return "override.example" }
	for mode, want := range map[dmarc.Mode]string{dmarc.ModeRFC7489: "override.example", dmarc.ModeRFC9989: "corp.example"} {
		e := &dmarc.Evaluator{Resolver: srv.Resolver(), Mode: mode, OrgDomain: override}
		if got, err := e.OrganizationalDomain(context.Background(), "mail.corp.example"); got != want || err != nil {
			t.Errorf("%s: OrganizationalDomain = %q, %v; want %q", mode, got, err, want)
		}
	}
}

// TestOrganizationalDomainCanceled: a walk whose context has ended is a
// temporary failure, not the domain itself.
func TestOrganizationalDomainCanceled(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: orgZone})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := &dmarc.Evaluator{Resolver: srv.Resolver()}
	if got, err := e.OrganizationalDomain(ctx, "reports.corp.example"); got != "" || !errors.Is(err, dmarc.ErrDNS) {
		t.Errorf("OrganizationalDomain after cancel = %q, %v; want \"\", ErrDNS", got, err)
	}
}
