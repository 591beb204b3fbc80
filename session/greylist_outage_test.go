package session

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/spamkit/spamkit/dkim/dmarc"
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
			s := lunchAtData(ctx, e)
			defer s.Close()
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

// deadlineResolver answers every TXT query with nothing and records the
// deadline of each query's ctx.
type deadlineResolver struct {
	mu  sync.Mutex
	dls []time.Time
}

func (r *deadlineResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	dl, _ := ctx.Deadline()
	r.mu.Lock()
	r.dls = append(r.dls, dl)
	r.mu.Unlock()
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// TestGreylistBodyReserveBeforeOnly: with greylisting at the end of
// DATA, the DNS waits before the greylist store call end a reserve
// before the caller's deadline (waitWithin); the checks after it (DMARC
// here; DKIM, ARC, URIBL, hash lists alike) need none, and keep the
// caller's whole deadline, as without body greylisting. 35920f4 gave
// them the shortened one too: body greylisting took up to 1 s from
// every DNS check of the message.
func TestGreylistBodyReserveBeforeOnly(t *testing.T) {
	t.Parallel()
	for _, body := range []bool{false, true} {
		t.Run(fmt.Sprint("GreylistBody ", body), func(t *testing.T) {
			t.Parallel()
			res := &deadlineResolver{}
			e := &Engine{
				DMARC:        &dmarc.Evaluator{Resolver: res, Timeout: -1},
				Greylist:     &greylist.Checker{Store: &greylist.MemoryStore{}, Delay: time.Minute, Now: func() time.Time { return testNow }},
				GreylistBody: body,
				Now:          func() time.Time { return testNow },
			}
			ctx := context.Background()
			s := lunchAtData(ctx, e)
			defer s.Close()
			// The caller's deadline, before DataTimeout's (30 s).
			ectx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			v, err := s.EndOfData(ectx)
			if err != nil {
				t.Fatal(err)
			}
			if body && v.Reply.Enhanced != "4.7.1" {
				t.Errorf("verdict %v, want the body greylisting's 451 4.7.1", v)
			}
			want, _ := ectx.Deadline()
			res.mu.Lock()
			defer res.mu.Unlock()
			if len(res.dls) == 0 {
				t.Fatal("DMARC asked nothing")
			}
			for _, dl := range res.dls {
				if !dl.Equal(want) {
					t.Errorf("DMARC lookup's deadline %v before the caller's, want the caller's", want.Sub(dl))
				}
			}
		})
	}
}

// lunchAtData is a session of e from dynIP with carol's message to bob
// written, ready for EndOfData; the caller closes it.
func lunchAtData(ctx context.Context, e *Engine) *Session {
	s := e.NewSession(ctx)
	s.Connect(ctx, dynIP, "")
	s.Mail(ctx, "carol@example.org")
	s.Rcpt(ctx, "bob@example.org")
	s.Write(message("carol@example.org", "lunch", "Lunch on Friday?\n"))
	return s
}
