// Package storetest checks that an implementation of report.Store keeps
// the contract a report.Reporter relies on, as testing/fstest does for
// file systems: rows merged by value, the last policy kept, limits
// enforced with their errors and counted, callers' slices not retained,
// rows listed in order, concurrent use.
//
//	func TestMyStore(t *testing.T) {
//		storetest.Test(t, func(t *testing.T) report.Store { return newMyStore(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/dkim/dmarc/report"
)

// Test runs the contract's checks, each on a new empty store from
// newStore, as subtests of t.
func Test(t *testing.T, newStore func(t *testing.T) report.Store) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, newStore(t)) })
	t.Run("Merge", func(t *testing.T) { testMerge(t, newStore(t)) })
	t.Run("NoRetention", func(t *testing.T) { testNoRetention(t, newStore(t)) })
	t.Run("Limits", func(t *testing.T) { testLimits(t, newStore(t)) })
	t.Run("Drop", func(t *testing.T) { testDrop(t, newStore(t)) })
	t.Run("RowsError", func(t *testing.T) { testRowsError(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newStore(t)) })
}

var (
	keyA = report.Key{Domain: "example.com", Begin: 1735689600}
	keyB = report.Key{Domain: "example.org", Begin: 1735689600}
	keyC = report.Key{Domain: "example.com", Begin: 1735776000}
	pol  = report.Policy{Domain: "example.com", P: "reject", Percent: -1}
)

func row(i int, count int64) report.Row {
	return report.Row{
		SourceIP:    netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}),
		Count:       count,
		Disposition: report.DispositionReject, DKIM: report.AlignedFail, SPF: report.AlignedFail,
		HeaderFrom:  "example.com",
		DKIMResults: []report.DKIMAuth{{Domain: "example.com", Selector: "s", Result: "fail"}},
		SPFResults:  []report.SPFAuth{{Domain: "example.com", Scope: "mfrom", Result: "fail"}},
	}
}

func rows(t *testing.T, s report.Store, k report.Key) []report.Row {
	t.Helper()
	var out []report.Row
	err := s.Rows(context.Background(), k, func(r *report.Row) error {
		c := *r
		c.Reasons = slices.Clone(r.Reasons)
		c.DKIMResults = slices.Clone(r.DKIMResults)
		c.SPFResults = slices.Clone(r.SPFResults)
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatalf("Rows(%v) = %v", k, err)
	}
	return out
}

func add(t *testing.T, s report.Store, k report.Key, p report.Policy, rua []string, r report.Row, lim report.Limits) error {
	t.Helper()
	return s.Add(context.Background(), k, p, rua, &r, lim)
}

func testEmpty(t *testing.T, s report.Store) {
	ctx := context.Background()
	if keys, err := s.Keys(ctx); err != nil || len(keys) != 0 {
		t.Errorf("Keys = %v, %v; want none", keys, err)
	}
	if _, err := s.Info(ctx, keyA); !errors.Is(err, report.ErrNoReport) {
		t.Errorf("Info(missing) = %v, want ErrNoReport", err)
	}
	if err := s.Rows(ctx, keyA, func(*report.Row) error { return nil }); !errors.Is(err, report.ErrNoReport) {
		t.Errorf("Rows(missing) = %v, want ErrNoReport", err)
	}
	if err := s.Delete(ctx, keyA); err != nil {
		t.Errorf("Delete(missing) = %v", err)
	}
}

func testMerge(t *testing.T, s report.Store) {
	ctx := context.Background()
	var lim report.Limits
	for _, c := range []struct {
		r report.Row
		p report.Policy
	}{{row(1, 2), pol}, {row(2, 1), pol}, {row(1, 3), pol}} {
		if err := add(t, s, keyA, c.p, []string{"mailto:a@example.com"}, c.r, lim); err != nil {
			t.Fatal(err)
		}
	}
	last := pol
	last.P = "quarantine"
	if err := add(t, s, keyA, last, []string{"mailto:b@example.com"}, row(3, 1), lim); err != nil {
		t.Fatal(err)
	}
	got := rows(t, s, keyA)
	want := []report.Row{row(1, 5), row(2, 1), row(3, 1)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %+v\nwant %+v", got, want)
	}
	info, err := s.Info(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != 3 || info.Messages != 7 || info.Dropped != 0 || info.Policy != last || !slices.Equal(info.RUA, []string{"mailto:b@example.com"}) {
		t.Errorf("Info = %+v; want 3 rows, 7 messages, the last policy and rua", info)
	}
	// A row differing in any field is another row.
	other := row(1, 1)
	other.Reasons = []report.Reason{{Type: report.LocalPolicy, Comment: "arc"}}
	if err := add(t, s, keyA, last, nil, other, lim); err != nil {
		t.Fatal(err)
	}
	if n := len(rows(t, s, keyA)); n != 4 {
		t.Errorf("a row with a reason merged into one without: %d rows, want 4", n)
	}
	// Another key is another report.
	if err := add(t, s, keyC, pol, nil, row(1, 1), lim); err != nil {
		t.Fatal(err)
	}
	keys, _ := s.Keys(ctx)
	if len(keys) != 2 {
		t.Errorf("Keys = %v, want 2", keys)
	}
}

func testNoRetention(t *testing.T, s report.Store) {
	r := row(1, 1)
	rua := []string{"mailto:a@example.com"}
	if err := s.Add(context.Background(), keyA, pol, rua, &r, report.Limits{}); err != nil {
		t.Fatal(err)
	}
	r.DKIMResults[0].Selector = "changed"
	r.SPFResults[0].Result = "pass"
	r.HeaderFrom = "changed.example"
	rua[0] = "mailto:changed@example.com"
	if got := rows(t, s, keyA); !reflect.DeepEqual(got, []report.Row{row(1, 1)}) {
		t.Errorf("the store kept the caller's slices: %+v", got)
	}
	if info, _ := s.Info(context.Background(), keyA); info.RUA[0] != "mailto:a@example.com" {
		t.Errorf("the store kept the caller's rua: %q", info.RUA)
	}
}

func testLimits(t *testing.T, s report.Store) {
	ctx := context.Background()
	lim := report.Limits{MaxReports: 2, MaxRowsPerReport: 2, MaxRows: 3}
	for i, k := range []report.Key{keyA, keyB} {
		if err := add(t, s, k, pol, nil, row(i, 1), lim); err != nil {
			t.Fatalf("Add(%v) = %v", k, err)
		}
	}
	if err := add(t, s, keyC, pol, nil, row(0, 1), lim); !errors.Is(err, report.ErrTooManyReports) {
		t.Errorf("a third report = %v, want ErrTooManyReports", err)
	}
	if _, err := s.Info(ctx, keyC); !errors.Is(err, report.ErrNoReport) {
		t.Errorf("the refused report exists: %v", err)
	}
	if err := add(t, s, keyA, pol, nil, row(5, 1), lim); err != nil {
		t.Fatalf("a second row = %v", err)
	}
	if err := add(t, s, keyA, pol, nil, row(6, 4), lim); !errors.Is(err, report.ErrTooManyRows) {
		t.Errorf("a third row in a report of 2 = %v, want ErrTooManyRows", err)
	}
	if err := add(t, s, keyB, pol, nil, row(7, 2), lim); !errors.Is(err, report.ErrTooManyRows) {
		t.Errorf("a fourth row in all = %v, want ErrTooManyRows", err)
	}
	if err := add(t, s, keyA, pol, nil, row(5, 1), lim); err != nil {
		t.Errorf("a known row at the limit = %v", err)
	}
	a, _ := s.Info(ctx, keyA)
	b, _ := s.Info(ctx, keyB)
	if a.Rows != 2 || a.Messages != 3 || a.Dropped != 4 || b.Rows != 1 || b.Dropped != 2 {
		t.Errorf("Info = %+v and %+v; want 2 rows, 3 messages, 4 dropped and 1 row, 2 dropped", a, b)
	}
}

func testDrop(t *testing.T, s report.Store) {
	ctx := context.Background()
	if err := s.Drop(ctx, keyA, pol, []string{"mailto:a@example.com"}, 3, report.Limits{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Drop(ctx, keyA, pol, nil, 2, report.Limits{}); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, keyA)
	if err != nil || info.Dropped != 5 || info.Rows != 0 {
		t.Errorf("Info = %+v, %v; want 5 dropped, no row", info, err)
	}
	if err := s.Drop(ctx, keyB, pol, nil, 1, report.Limits{MaxReports: 1}); !errors.Is(err, report.ErrTooManyReports) {
		t.Errorf("Drop into a new report beyond MaxReports = %v, want ErrTooManyReports", err)
	}
}

func testRowsError(t *testing.T, s report.Store) {
	for i := range 3 {
		if err := add(t, s, keyA, pol, nil, row(i, 1), report.Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := s.Rows(context.Background(), keyA, func(*report.Row) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Rows = %v after %d calls, want fn's error after 1", err, n)
	}
}

func testDelete(t *testing.T, s report.Store) {
	ctx := context.Background()
	lim := report.Limits{MaxRows: 1}
	if err := add(t, s, keyA, pol, nil, row(1, 1), lim); err != nil {
		t.Fatal(err)
	}
	if err := add(t, s, keyB, pol, nil, row(1, 1), lim); !errors.Is(err, report.ErrTooManyRows) {
		t.Fatalf("second row = %v, want ErrTooManyRows", err)
	}
	if err := s.Delete(ctx, keyA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Info(ctx, keyA); !errors.Is(err, report.ErrNoReport) {
		t.Errorf("Info after Delete = %v", err)
	}
	if err := add(t, s, keyB, pol, nil, row(2, 1), lim); err != nil {
		t.Errorf("a row after Delete freed its place = %v", err)
	}
}

func testConcurrent(t *testing.T, s report.Store) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				r := row(i%5, 1)
				if err := s.Add(context.Background(), keyA, pol, nil, &r, report.Limits{}); err != nil {
					t.Errorf("goroutine %d: Add = %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	info, err := s.Info(context.Background(), keyA)
	if err != nil || info.Rows != 5 || info.Messages != 200 {
		t.Errorf("Info = %+v, %v; want 5 rows, 200 messages", info, err)
	}
}
