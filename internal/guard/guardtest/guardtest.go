// Package guardtest checks, in the tests of the check packages, that a
// panic in a goroutine a check started came back to the caller's
// goroutine (package guard).
package guardtest

import (
	"testing"

	"github.com/spamkit/spamkit/internal/guard"
)

// Repanics runs f on the calling goroutine and fails t unless f
// panicked there with the *guard.Panic of a goroutine that panicked
// with want. Had the panic stayed in that goroutine, the test binary
// would have died instead.
func Repanics(t testing.TB, want any, f func()) {
	t.Helper()
	r := catch(f)
	p, ok := r.(*guard.Panic)
	switch {
	case r == nil:
		t.Errorf("no panic on the caller's goroutine, want the resolver's %v raised again", want)
	case !ok:
		t.Errorf("panic %T (%v) on the caller's goroutine, want a *guard.Panic", r, r)
	case p.Value != want:
		t.Errorf("panic value %v, want %v", p.Value, want)
	}
}

func catch(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}
