package session

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rdns"
	"github.com/spamkit/spamkit/spf"
)

// panicStore is a bayes store with a bug.
type panicStore struct{}

func (panicStore) Lookup(context.Context, []string, []bayes.Count) (bayes.Totals, error) {
	panic("store bug")
}

func (panicStore) Apply(context.Context, []bayes.Update) (bayes.Totals, error) {
	panic("store bug")
}

// TestCheckPanics: a check that panics in one of the session's
// goroutines (here an adopter's bayes Store) is a check that did not
// finish, as configured (451 4.3.0 or accept with X-Spamkit-Error), not
// a crash of the whole MTA process with every other connection in it.
func TestCheckPanics(t *testing.T) {
	t.Parallel()
	for _, withMIME := range []bool{false, true} {
		for _, onErr := range []ErrorPolicy{TempfailOnError, AcceptOnError} {
			e := &Engine{Bayes: &bayes.Classifier{Store: panicStore{}}, OnError: onErr}
			if withMIME {
				e.MIME = &mime.Scanner{}
			}
			v, err := e.Check(context.Background(), Envelope{MailFrom: "alice@example.com"},
				message("alice@example.com", "panic", "Hello there, this is a message with some words in it.\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(v.Err, ErrCheck) {
				t.Errorf("mime %v, %v: Err = %v, want ErrCheck", withMIME, onErr, v.Err)
			}
			var faulted bool
			for _, r := range v.Rows {
				faulted = faulted || r.Check == "bayes" && r.Rule == InternalError
			}
			if !faulted {
				t.Errorf("mime %v, %v: no %s row for bayes in %v", withMIME, onErr, InternalError, v.Rows)
			}
			switch onErr {
			case TempfailOnError:
				if v.Reply.String() != tempfailReply().String() {
					t.Errorf("mime %v: reply %v, want 451 4.3.0", withMIME, v.Reply)
				}
			case AcceptOnError:
				if got, _ := fieldOf(v, "X-Spamkit-Error"); v.Action != Accept || got != "not finished: bayes" {
					t.Errorf("mime %v: %v, X-Spamkit-Error %q; want accept, \"not finished: bayes\"", withMIME, v.Action, got)
				}
			}
		}
	}
}

// TestTaskPanics: a background check that panics (FCrDNS, DNSBL, SPF,
// DKIM and ARC run in the session's tasks) ends its task with an error
// wrapping ErrCheck instead of crashing the process.
func TestTaskPanics(t *testing.T) {
	t.Parallel()
	tk := start(context.Background(), func(context.Context) (int, error) { panic("bug") })
	v, err, ok := tk.wait(context.Background())
	if !ok || v != 0 || !errors.Is(err, ErrCheck) || !errors.Is(err, ErrPanic) {
		t.Errorf("wait = %v, %v, %v; want 0, ErrCheck (panicked), true", v, err, ok)
	}
}

// panicky is a Resolver with a bug: every lookup panics.
type panicky struct{}

func (panicky) LookupTXT(context.Context, string) ([]string, error) { panic("a bug in a check") }
func (panicky) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	panic("a bug in a check")
}
func (panicky) LookupMX(context.Context, string) ([]*net.MX, error) { panic("a bug in a check") }
func (panicky) LookupAddr(context.Context, string) ([]string, error) {
	panic("a bug in a check")
}

// TestPanicInBackgroundCheck: a check that panics in a goroutine the
// session started (a bug in it, or in a Resolver or store an adopter
// plugs in) is that check's internal error, decided by OnError; it
// does not end the process.
func TestPanicInBackgroundCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := Envelope{IP: netip.MustParseAddr("192.0.2.1"), HELO: "a.test", MailFrom: "a@a.test", Rcpts: []string{"b@b.test"}}
	msg := []byte("From: a@a.test\r\n\r\nx\r\n")
	for _, policy := range []ErrorPolicy{TempfailOnError, AcceptOnError} {
		e := &Engine{AuthServID: "mx.example.test", OnError: policy,
			SPF: &spf.Checker{Resolver: panicky{}}, RDNS: &rdns.Checker{Resolver: panicky{}}}
		v, err := e.Check(ctx, env, msg)
		if err != nil {
			t.Fatalf("%s: %v", policy, err)
		}
		for _, c := range []string{"spf", "spf-helo", "rdns", "helo"} {
			found := false
			for _, r := range v.Rows {
				if r.Check == c && r.Rule == InternalError && errors.Is(r.Err, ErrCheck) && errors.Is(r.Err, ErrPanic) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no %s row with ErrCheck and ErrPanic in %v", policy, c, v.Rows)
			}
		}
		ar, _ := fieldOf(v, "Authentication-Results")
		if strings.Contains(ar, "=pass") || strings.Contains(ar, "bug") {
			t.Errorf("%s: Authentication-Results %q", policy, ar)
		}
		switch policy {
		case TempfailOnError:
			if v.Action != Tempfail || v.Reply.Code != 451 || v.Reply.Enhanced != "4.3.0" {
				t.Errorf("%s: %s, want 451 4.3.0", policy, v)
			}
		case AcceptOnError:
			if xe, ok := fieldOf(v, "X-Spamkit-Error"); v.Action != Accept || !ok || !strings.Contains(xe, "spf") {
				t.Errorf("%s: %s X-Spamkit-Error %q, want accept naming spf", policy, v, xe)
			}
		}
	}
}
