package session

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/resolver/resolvertest"
)

// TestGreylistBodyDNSOutage: with greylisting at the end of DATA, a DNS
// server that never answers uses up DataTimeout waiting for SPF; the
// greylist store call that follows has its own time (RcptTimeout), so
// the outage is temperror rows and the greylist's own answer, not an
// internal error (451 4.3.0) for every message.
func TestGreylistBodyDNSOutage(t *testing.T) {
	t.Parallel()
	// callerCtx: the caller's ctx for EndOfData, if not 0. No longer
	// than DataTimeout (examples/smtpd's stage ctx), the DNS waits used
	// it up and the store was asked on an ended ctx; they now end a
	// reserve before its deadline (waitWithin).
	for _, callerCtx := range []time.Duration{0, time.Second} {
		t.Run(fmt.Sprint("caller ctx ", callerCtx), func(t *testing.T) {
			t.Parallel()
			srv := testServer(t)
			srv.Fail("example.org", dns.TypeTXT, resolvertest.Drop)
			r := testResolver(srv, false)
			r.Timeout = 10 * time.Second // slower than DataTimeout
			e := testEngine(t, r)
			e.RDNS, e.DNSBL, e.DKIM, e.ARC, e.DMARC, e.URIBL = nil, nil, nil, nil, nil, nil
			e.DataTimeout = 300 * time.Millisecond
			if callerCtx > 0 {
				e.DataTimeout = callerCtx
			}
			e.Greylist = &greylist.Checker{Store: ctxStore{&greylist.MemoryStore{}}, Delay: time.Minute, Now: func() time.Time { return testNow }}
			e.GreylistBody = true
			ctx := context.Background()
			s := e.NewSession(ctx)
			defer s.Close()
			s.Connect(ctx, dynIP, "")
			s.Mail(ctx, "carol@example.org")
			s.Rcpt(ctx, "bob@example.org")
			s.Write(message("carol@example.org", "lunch", "Lunch on Friday?\n"))
			ectx := ctx
			if callerCtx > 0 {
				var cancel context.CancelFunc
				ectx, cancel = context.WithTimeout(ctx, callerCtx)
				defer cancel()
			}
			v, err := s.EndOfData(ectx)
			if err != nil {
				t.Fatal(err)
			}
			if row, _ := rowOf(v, "spf"); row.Result != "temperror" {
				t.Errorf("spf row %v, want temperror", row)
			}
			if v.Err != nil || v.Reply.Enhanced != "4.7.1" {
				t.Errorf("verdict %v (err %v), want the greylist's 451 4.7.1 and no internal error", v, v.Err)
			}
		})
	}
}

// ctxStore is a store that honors its context, as a networked one does.
type ctxStore struct{ greylist.Store }

func (c ctxStore) Record(ctx context.Context, req greylist.Request) (greylist.Response, error) {
	if err := ctx.Err(); err != nil {
		return greylist.Response{}, err
	}
	return c.Store.Record(ctx, req)
}
