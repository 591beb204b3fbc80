package session

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestMaxRcpts: a transaction takes at most Engine.MaxRcpts recipients
// (DefaultMaxRcpts, 1000, Postfix's smtpd_recipient_limit); the next ones
// are answered 452 4.5.3 (RFC 5321 §4.5.3.1.10, RFC 3463 §3.5) and not
// kept, and the verdict has a row wrapping ErrTooManyRcpts. A new
// transaction counts afresh; a negative MaxRcpts is no limit.
func TestMaxRcpts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		max, want int
	}{{0, DefaultMaxRcpts}, {3, 3}, {-1, DefaultMaxRcpts + 10}} {
		e := &Engine{MaxRcpts: tc.max}
		s := e.NewSession(ctx)
		for round := range 2 {
			s.Mail(ctx, "alice@example.com")
			accepted := 0
			for i := range DefaultMaxRcpts + 10 {
				r := s.Rcpt(ctx, fmt.Sprintf("user%d@example.org", i))
				switch {
				case r.Action == Continue:
					accepted++
				case r.Action != Tempfail || r.Code != 452 || r.Enhanced != "4.5.3" || r.Text != "Too many recipients":
					t.Fatalf("MaxRcpts %d: Rcpt #%d = %v, want 452 4.5.3 Too many recipients", tc.max, i+1, r)
				}
			}
			if accepted != tc.want || len(s.rcpts) != tc.want {
				t.Errorf("MaxRcpts %d, round %d: %d accepted, %d kept, want %d", tc.max, round, accepted, len(s.rcpts), tc.want)
			}
			s.Write(message("alice@example.com", "hello", "Hi.\r\n"))
			v, err := s.EndOfData(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r, ok := rowOf(v, "rcpt")
			if tripped := tc.max >= 0; tripped != ok || (ok && (r.Rule != TooManyRcpts || r.Score != 0 || !errors.Is(r.Err, ErrTooManyRcpts))) {
				t.Errorf("MaxRcpts %d: rcpt row %v (err %v), present %v, want %v wrapping ErrTooManyRcpts", tc.max, r, r.Err, ok, tripped)
			}
			if v.Err != nil || v.Action != Accept {
				t.Errorf("MaxRcpts %d: verdict %s (err %v), want accept: the message goes to the recipients taken", tc.max, v, v.Err)
			}
		}
		s.Close()
	}
}
