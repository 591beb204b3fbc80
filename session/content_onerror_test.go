package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spamkit/spamkit/mime"
)

// TestContentTimeoutOnError: a mime scan cut short by ContentTimeout is a
// check that did not finish, handled as Engine.OnError says: 451 4.3.0
// under TempfailOnError, and under AcceptOnError delivery with
// X-Spamkit-Error naming mime (not a tempfail the adopter did not ask
// for, and never a silent accept).
func TestContentTimeoutOnError(t *testing.T) {
	t.Parallel()
	for _, onErr := range []ErrorPolicy{TempfailOnError, AcceptOnError} {
		e := &Engine{MIME: &mime.Scanner{}, ContentTimeout: time.Nanosecond, OnError: onErr}
		v, err := e.Check(context.Background(), Envelope{MailFrom: "a@example.org"}, message("a@example.org", "hi", "Hello.\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(v.Err, ErrCheck) || !errors.Is(v.Err, mime.ErrTime) {
			t.Errorf("%v: Err = %v, want ErrCheck wrapping mime.ErrTime", onErr, v.Err)
		}
		switch onErr {
		case TempfailOnError:
			if v.Action != Tempfail || v.Reply.Code != 451 || v.Reply.Enhanced != "4.3.0" {
				t.Errorf("tempfail on error: %s, want 451 4.3.0", v)
			}
		case AcceptOnError:
			if got, _ := fieldOf(v, "X-Spamkit-Error"); v.Action != Accept || got != "not finished: mime" {
				t.Errorf("accept on error: %s, X-Spamkit-Error %q; want accept, \"not finished: mime\"", v, got)
			}
		}
	}
}
