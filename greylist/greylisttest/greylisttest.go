// Package greylisttest is a behavioural test suite for implementations
// of greylist.Store: every store of this module runs it, and so can a
// store written elsewhere (SQL, another key-value database). It checks a
// store's decisions against greylist.Request.Apply, the reference, in
// scripted cases, in a long random sequence, and under concurrent
// checks of one triplet.
package greylisttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/spamkit/spamkit/greylist"
)

// T0 is the fixed instant the suite's checks start from (read it, do
// not change it).
var T0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// The suite's policy: round values so that failures read easily.
const (
	Delay          = 5 * time.Minute
	RetryWindow    = 48 * time.Hour
	MaxAge         = 35 * 24 * time.Hour
	AutoAllowAfter = 3
)

// Request returns a request of the suite's policy for a client and a
// triplet ("" for a client-only request) at a time.
func Request(client, triplet string, at time.Time) greylist.Request {
	r := greylist.Request{Delay: Delay, RetryWindow: RetryWindow, MaxAge: MaxAge, AutoAllowAfter: AutoAllowAfter, Now: at}
	r.Client = []byte(client)
	if triplet != "" {
		r.Triplet = []byte(triplet)
	}
	return r
}

func record(t *testing.T, s greylist.Store, r greylist.Request) greylist.Response {
	t.Helper()
	resp, err := s.Record(context.Background(), r)
	if err != nil {
		t.Fatalf("Record(%s %s at %s) error: %v", r.Client, r.Triplet, r.Now.Sub(T0), err)
	}
	return resp
}

// want is the part of a Response a step checks; times are offsets from
// T0, -1 for "zero time".
type want struct {
	result greylist.Result
	first  time.Duration
	until  time.Duration
	passed bool
	count  int
}

func (w want) check(t *testing.T, step string, got greylist.Response) {
	t.Helper()
	off := func(tm time.Time) time.Duration {
		if tm.IsZero() {
			return -1
		}
		return tm.Sub(T0)
	}
	g := want{got.Result, off(got.First), off(got.Until), got.Passed, got.Count}
	if g != w {
		t.Errorf("%s: got %s first %v until %v passed %v count %d, want %s first %v until %v passed %v count %d",
			step, g.result, g.first, g.until, g.passed, g.count, w.result, w.first, w.until, w.passed, w.count)
	}
}

type step struct {
	client, triplet string
	at              time.Duration
	trap            time.Duration
	want            want
}

const none = -1

// cases are scripted histories: each runs on a fresh store.
var cases = []struct {
	name  string
	steps []step
}{
	{"greylist then pass", []step{
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 4*time.Minute + 59*time.Second, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"192.0.2.0/24", "a@x b@y", 6 * time.Minute, 0, want{greylist.Pass, 0, none, false, 1}},
	}},
	{"other triplet and other client independent", []step{
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x c@y", time.Minute, 0, want{greylist.Greylisted, time.Minute, 6 * time.Minute, false, 0}},
		{"198.51.100.0/24", "a@x b@y", 2 * time.Minute, 0, want{greylist.Greylisted, 2 * time.Minute, 7 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"198.51.100.0/24", "a@x b@y", 5 * time.Minute, 0, want{greylist.Greylisted, 2 * time.Minute, 7 * time.Minute, false, 0}},
	}},
	{"retry after the window starts again", []step{
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 48 * time.Hour, 0, want{greylist.Pass, 0, none, true, 1}},
	}},
	{"retry just past the window starts again", []step{
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 48*time.Hour + time.Millisecond, 0, want{greylist.Greylisted, 48*time.Hour + time.Millisecond, 48*time.Hour + 5*time.Minute + time.Millisecond, false, 0}},
	}},
	{"passed triplet forgotten after max age, refreshed by use", []step{
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 10 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"192.0.2.0/24", "a@x b@y", 30 * 24 * time.Hour, 0, want{greylist.Pass, 0, none, false, 1}},
		// The client's count ages out MaxAge after it was last raised.
		{"192.0.2.0/24", "a@x b@y", 64 * 24 * time.Hour, 0, want{greylist.Pass, 0, none, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 100 * 24 * time.Hour, 0, want{greylist.Greylisted, 100 * 24 * time.Hour, 100*24*time.Hour + 5*time.Minute, false, 0}},
	}},
	{"auto-allowlist after three passes an hour apart", []step{
		{"192.0.2.0/24", "a@x 1@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x 2@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x 3@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x 4@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x 1@y", 10 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		// The same hour: passes, but does not count.
		{"192.0.2.0/24", "a@x 2@y", 20 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"192.0.2.0/24", "a@x 3@y", 70 * time.Minute, 0, want{greylist.Pass, 0, none, true, 2}},
		{"192.0.2.0/24", "a@x 4@y", 130 * time.Minute, 0, want{greylist.Pass, 0, none, true, 3}},
		{"192.0.2.0/24", "new@x 5@y", 131 * time.Minute, 0, want{greylist.Allowlisted, none, none, false, 3}},
		{"192.0.2.0/24", "", 132 * time.Minute, 0, want{greylist.Allowlisted, none, none, false, 3}},
		// Not trapped once allowlisted.
		{"192.0.2.0/24", "new@x trap@y", 133 * time.Minute, time.Hour, want{greylist.Allowlisted, none, none, false, 3}},
		// The allowlist ages out MaxAge after its last use.
		{"192.0.2.0/24", "new@x 6@y", 30 * 24 * time.Hour, 0, want{greylist.Allowlisted, none, none, false, 3}},
		{"192.0.2.0/24", "new@x 6@y", 66 * 24 * time.Hour, 0, want{greylist.Greylisted, 66 * 24 * time.Hour, 66*24*time.Hour + 5*time.Minute, false, 0}},
	}},
	{"greytrap", []step{
		{"192.0.2.0/24", "", 0, 0, want{"", none, none, false, 0}},
		{"192.0.2.0/24", "a@x trap@y", 0, 24 * time.Hour, want{greylist.Trapped, none, 24 * time.Hour, false, 0}},
		{"192.0.2.0/24", "a@x b@y", time.Hour, 0, want{greylist.Trapped, none, 24 * time.Hour, false, 0}},
		{"192.0.2.0/24", "", time.Hour, 0, want{greylist.Trapped, none, 24 * time.Hour, false, 0}},
		{"198.51.100.0/24", "a@x b@y", time.Hour, 0, want{greylist.Greylisted, time.Hour, time.Hour + 5*time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 24*time.Hour - time.Millisecond, 0, want{greylist.Trapped, none, 24 * time.Hour, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 24 * time.Hour, 0, want{greylist.Greylisted, 24 * time.Hour, 24*time.Hour + 5*time.Minute, false, 0}},
	}},
	{"clock set back restarts a triplet", []step{
		{"192.0.2.0/24", "a@x b@y", time.Hour, 0, want{greylist.Greylisted, time.Hour, time.Hour + 5*time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
	}},
	{"clock a little behind keeps the first sight", []step{
		{"192.0.2.0/24", "a@x b@y", time.Hour, 0, want{greylist.Greylisted, time.Hour, time.Hour + 5*time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", time.Hour - 30*time.Second, 0, want{greylist.Greylisted, time.Hour, time.Hour + 5*time.Minute, false, 0}},
		{"192.0.2.0/24", "a@x b@y", time.Hour + 5*time.Minute, 0, want{greylist.Pass, time.Hour, none, true, 1}},
	}},
	{"odd key bytes", []step{
		{"spf:example.com", "a{b}c@x \"sp ace\"@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"spf:example.com", "jörg@x ü@y", 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"2001:db8:1:2::/64", string(make([]byte, 600)), 0, 0, want{greylist.Greylisted, 0, 5 * time.Minute, false, 0}},
		{"spf:example.com", "a{b}c@x \"sp ace\"@y", 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"spf:example.com", "jörg@x ü@y", 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
		{"2001:db8:1:2::/64", string(make([]byte, 600)), 5 * time.Minute, 0, want{greylist.Pass, 0, none, true, 1}},
	}},
}

// Run runs the suite on stores made by newStore: each subtest gets a
// fresh, empty store (newStore registers its cleanup with t).
func Run(t *testing.T, newStore func(t *testing.T) greylist.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for i, st := range tc.steps {
				r := Request(st.client, st.triplet, T0.Add(st.at))
				r.Trap = st.trap
				st.want.check(t, fmt.Sprintf("step %d (%s %q at %v)", i, st.client, st.triplet, st.at), record(t, s, r))
			}
		})
	}
	t.Run("reference", func(t *testing.T) { Reference(t, newStore(t), 1, 1000) })
	t.Run("race", func(t *testing.T) { Race(t, newStore(t)) })
}

// model is the reference: Apply on records in Go maps.
type model struct {
	triplets map[string]greylist.TripletRecord
	clients  map[string]greylist.ClientRecord
}

func (m *model) record(r greylist.Request) greylist.Response {
	c := m.clients[string(r.Client)]
	tk := string(r.Client) + " " + string(r.Triplet)
	t := m.triplets[tk]
	resp, wt, wc := r.Apply(&t, &c)
	if wc {
		m.clients[string(r.Client)] = c
	}
	if wt {
		m.triplets[tk] = t
	}
	return resp
}

// Reference runs n random checks (few clients, few triplets, time going
// forward by random steps from seconds to weeks, now and then a trap or a
// client-only request) on s and on the reference model, and fails at the
// first response that differs. s must be empty.
func Reference(t *testing.T, s greylist.Store, seed uint64, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := &model{map[string]greylist.TripletRecord{}, map[string]greylist.ClientRecord{}}
	clients := []string{"192.0.2.0/24", "198.51.100.0/24", "spf:example.com"}
	// Mostly seconds to hours (retries, counting), now and then days
	// (retry windows, max ages, trap ends).
	steps := []time.Duration{time.Second, time.Minute, time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, 2 * time.Hour, 12 * time.Hour, 49 * time.Hour, 20 * 24 * time.Hour, 36 * 24 * time.Hour}
	now := T0
	seen := map[greylist.Result]int{}
	defer func() {
		// The sequence must reach every verdict, or it proves little.
		for _, r := range []greylist.Result{greylist.Pass, greylist.Greylisted, greylist.Allowlisted, greylist.Trapped} {
			if seen[r] == 0 && !t.Failed() {
				t.Errorf("Reference: %d checks never gave %s (seen %v): the sequence is too short", n, r, seen)
			}
		}
	}()
	for i := range n {
		now = now.Add(time.Duration(rng.IntN(3)) * steps[rng.IntN(len(steps))])
		r := Request(clients[rng.IntN(len(clients))], fmt.Sprintf("s%d@x r%d@y", rng.IntN(3), rng.IntN(4)), now)
		switch rng.IntN(60) {
		case 0:
			r.Trap = time.Duration(1+rng.IntN(6)) * time.Hour
		case 1:
			r.Triplet = nil
		}
		want := m.record(r)
		got := record(t, s, r)
		seen[got.Result]++
		if got != want {
			t.Fatalf("check %d (%s %q at T0+%v trap %v): store %+v, reference %+v", i, r.Client, r.Triplet, now.Sub(T0), r.Trap, got, want)
		}
	}
}

// Race checks that concurrent checks of one triplet, through any of the
// handles (one store, or several clients of one shared store, as two MX
// hosts), see one history: of 16 concurrent first sights exactly one
// creates the triplet (all report its First), and of 16 concurrent
// retries after the delay exactly one ends the greylisting (Passed) and
// counts once towards the automatic allowlist. The handles must reach
// the same, empty store.
func Race(t *testing.T, handles ...greylist.Store) {
	t.Helper()
	const n = 16
	for round := range 3 {
		client := fmt.Sprintf("203.0.113.%d/32", round)
		triplet := "racer@example.com rcpt@example.net"
		run := func(at func(i int) time.Time) []greylist.Response {
			out := make([]greylist.Response, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					out[i], errs[i] = handles[i%len(handles)].Record(context.Background(), Request(client, triplet, at(i)))
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d: racer %d: %v", round, i, err)
				}
			}
			return out
		}
		// First sights a millisecond apart: one of them creates the
		// triplet, and all must agree on its First.
		first := run(func(i int) time.Time { return T0.Add(time.Duration(i) * time.Millisecond) })
		created := first[0].First
		for i, r := range first {
			if r.Result != greylist.Greylisted || !r.First.Equal(created) {
				t.Errorf("round %d: first sight %d: %s first %v, want greylisted first %v (one history)", round, i, r.Result, r.First.Sub(T0), created.Sub(T0))
			}
		}
		// Retries after the delay: exactly one ends greylisting.
		retry := run(func(i int) time.Time { return T0.Add(10*time.Minute + time.Duration(i)*time.Millisecond) })
		passed, maxCount := 0, 0
		for i, r := range retry {
			if r.Result != greylist.Pass {
				t.Errorf("round %d: retry %d: %s, want pass", round, i, r.Result)
			}
			if r.Passed {
				passed++
			}
			maxCount = max(maxCount, r.Count)
		}
		if passed != 1 || maxCount != 1 {
			t.Errorf("round %d: %d retries ended greylisting, counts up to %d; want exactly 1 and 1", round, passed, maxCount)
		}
	}
}
