package spf

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

func TestPRA(t *testing.T) {
	for _, tc := range []struct {
		name, header, want string // want "" for ErrNoPRA
	}{
		{"from", "From: Alice <alice@example.com>\r\nTo: b@example.org\r\n\r\nbody", "alice@example.com"},
		{"sender", "From: a@example.com, b@example.com\r\nSender: list@lists.example.net\r\n", "list@lists.example.net"},
		{"two senders", "Sender: a@example.com\r\nSender: b@example.com\r\nFrom: c@example.com\r\n", ""},
		{"two from", "From: a@example.com\r\nFrom: b@example.com\r\n", ""},
		{"group from", "From: a@example.com, b@example.com\r\n", ""},
		{"resent-from", "Resent-From: fwd@example.org\r\nReceived: x\r\nFrom: a@example.com\r\n", "fwd@example.org"},
		{"resent-sender", "Resent-Sender: rs@example.org\r\nResent-From: rf@example.org\r\nFrom: a@example.com\r\n", "rs@example.org"},
		// Step 1: a Resent-From, then a trace field, before the
		// Resent-Sender: they belong to different resent blocks.
		{"resent blocks", "Resent-From: new@example.org\r\nReceived: by x\r\nResent-Sender: old@example.net\r\n", "new@example.org"},
		{"folded", "From: Alice\r\n <alice@example.com>\r\n", "alice@example.com"},
		{"empty", "Subject: hi\r\n", ""},
		{"no domain", "From: alice\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PRA([]byte(tc.header))
			if tc.want == "" {
				if !errors.Is(err, ErrNoPRA) {
					t.Errorf("PRA(%q) = %q, %v, want ErrNoPRA", tc.header, got, err)
				}
				return
			}
			if got != tc.want || err != nil {
				t.Errorf("PRA(%q) = %q, %v, want %q", tc.header, got, err, tc.want)
			}
		})
	}
}

func TestSenderID(t *testing.T) {
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: "test.", Text: `
both.test.   TXT "v=spf1 -all"
both.test.   TXT "spf2.0/pra ip4:192.0.2.0/24 -all"
mfrom.test.  TXT "spf2.0/mfrom,pra ip4:198.51.100.0/24 -all"
spf1.test.   TXT "v=spf1 ip4:192.0.2.0/24 ~all"
dup.test.    TXT "spf2.0/pra -all"
dup.test.    TXT "spf2.0/pra,mfrom +all"
`})
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		scope    Scope
		identity string
		want     Result
	}{
		{ScopePRA, "a@both.test", Pass},     // spf2.0/pra preferred over v=spf1
		{ScopeMFrom, "a@both.test", Fail},   // no spf2.0/mfrom: v=spf1
		{ScopePRA, "a@mfrom.test", Fail},    // scope list
		{ScopePRA, "a@spf1.test", Pass},     // v=spf1 serves both scopes
		{ScopePRA, "a@dup.test", PermError}, // two records of the scope
		{ScopeMFrom, "a@dup.test", Pass},    // one of the scope
	} {
		o := must(t)(c.CheckSenderID(context.Background(), ip, "h.test", tc.identity, tc.scope))
		if o.Result != tc.want {
			t.Errorf("CheckSenderID(%s, %s, %s) = %s, want %s", ip, tc.scope, tc.identity, o, tc.want)
		}
	}
	o := must(t)(c.CheckPRA(context.Background(), ip, "h.test", []byte("Sender: x@both.test\r\nFrom: y@spf1.test\r\n\r\n")))
	if o.Result != Pass || o.Identity != IdentityPRA || o.Sender != "x@both.test" {
		t.Errorf("CheckPRA(Sender x@both.test) = %+v, want pass for pra x@both.test", o)
	}
	o = must(t)(c.CheckPRA(context.Background(), ip, "h.test", []byte("Subject: none\r\n\r\n")))
	if o.Result != PermError || !errors.Is(o.Err, ErrNoPRA) {
		t.Errorf("CheckPRA(no PRA) = %s, want permerror with ErrNoPRA", o)
	}
}

// TestPRAManyContinuationLines checks that unfolding a field of many
// continuation lines allocates in proportion to the header, not to the
// square of its lines (a 80 kB header of 20,000 lines took 400 MB).
func TestPRAManyContinuationLines(t *testing.T) {
	const lines = 20000
	h := []byte("From: a@example.com\r\nX-Folded: x" + strings.Repeat("\r\n y", lines) + "\r\n\r\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	pra, err := PRA(h)
	runtime.ReadMemStats(&after)
	if pra != "a@example.com" || err != nil {
		t.Errorf("PRA(%d-line field) = %q, %v, want a@example.com", lines, pra, err)
	}
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(20*len(h)); got > limit {
		t.Errorf("PRA(%d-octet header) allocated %d octets, want at most %d", len(h), got, limit)
	}
}
