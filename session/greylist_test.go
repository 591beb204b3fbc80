package session

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
	"github.com/spamkit/spamkit/resolver/resolvertest"
	"github.com/spamkit/spamkit/spf"
)

// TestGreylistKeyStable: the greylist key of a recipient is a function of
// the session's facts, not of how fast SPF answered: a retry after the
// delay passes whether the first attempt's SPF was slow (cold lookups)
// and the retry's fast (cached), or the other way round, also when one
// of them was slower than RcptTimeout.
func TestGreylistKeyStable(t *testing.T) {
	t.Parallel()
	const slow = 2 * time.Second
	for _, tc := range []struct {
		name        string
		rcptTimeout time.Duration
		delay       [2]time.Duration // the SPF TXT lookup's delay, first and second attempt
	}{
		{"slow then fast", 0, [2]time.Duration{300 * time.Millisecond, 0}},
		{"slower than RcptTimeout then fast", 200 * time.Millisecond, [2]time.Duration{slow, 0}},
		{"fast then slower than RcptTimeout", 200 * time.Millisecond, [2]time.Duration{0, slow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testServer(t)
			r := srv.Resolver()
			r.Timeout, r.Attempts = 5*time.Second, 1
			var mu sync.Mutex
			now := testNow
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			e := &Engine{
				SPF:         &spf.Checker{Resolver: r, Now: clock},
				Greylist:    &greylist.Checker{Store: &greylist.MemoryStore{}, Delay: time.Minute, Now: clock},
				RcptTimeout: tc.rcptTimeout,
			}
			ctx := context.Background()
			attempt := func(i int) Reply {
				srv.Delay("example.com", resolvertest.TypeTXT, tc.delay[i])
				s := e.NewSession(ctx)
				defer s.Close()
				s.Connect(ctx, goodIP, "")
				s.Helo(ctx, "mail.example.com")
				s.Mail(ctx, "alice@example.com")
				if tc.delay[i] == 0 {
					<-s.spfT.done // a fast SPF: done before RCPT
				}
				return s.Rcpt(ctx, "bob@example.org")
			}
			if r := attempt(0); r.Action != Tempfail || r.Code != 451 {
				t.Fatalf("first attempt: Rcpt = %s, want 451 4.7.1", r)
			}
			mu.Lock()
			now = now.Add(2 * time.Minute)
			mu.Unlock()
			if r := attempt(1); r.Action != Continue {
				t.Fatalf("retry after the delay: Rcpt = %s, want continue", r)
			}
		})
	}
}
