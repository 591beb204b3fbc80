package guard

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// catch runs f and returns what it panicked with.
func catch(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

func TestRepanicCarriesFirstPanic(t *testing.T) {
	cause := errors.New("resolver bug")
	var g Catcher
	var wg sync.WaitGroup
	wg.Go(func() { g.Run(func() { panic(cause) }) })
	wg.Wait()
	if !g.Panicked() {
		t.Fatal("Panicked() = false after a panic, want true")
	}
	r := catch(g.Repanic)
	p, ok := r.(*Panic)
	if !ok {
		t.Fatalf("Repanic raised %T (%v), want *Panic", r, r)
	}
	if !errors.Is(p, cause) {
		t.Errorf("errors.Is(%v, cause) = false, want true", p)
	}
	if !strings.Contains(p.Error(), "resolver bug") || !strings.Contains(p.Error(), "goroutine") {
		t.Errorf("Error() = %q, want the value and the stack", p.Error())
	}
	if r2 := catch(g.Repanic); r2 != r {
		t.Errorf("second Repanic raised %v, want the same %v", r2, r)
	}
}

func TestNoPanicNoRepanic(t *testing.T) {
	var g Catcher
	var wg sync.WaitGroup
	wg.Go(func() { g.Run(func() {}) })
	wg.Wait()
	if g.Panicked() {
		t.Error("Panicked() = true without a panic, want false")
	}
	if r := catch(g.Repanic); r != nil {
		t.Errorf("Repanic raised %v without a panic, want nothing", r)
	}
}

func TestNestedPanicKeptWhole(t *testing.T) {
	var inner, outer Catcher
	var wg sync.WaitGroup
	wg.Go(func() {
		outer.Run(func() {
			var iwg sync.WaitGroup
			iwg.Go(func() { inner.Run(func() { panic("deep") }) })
			iwg.Wait()
			inner.Repanic()
		})
	})
	wg.Wait()
	ri, ro := catch(inner.Repanic), catch(outer.Repanic)
	if ri == nil || ri != ro {
		t.Errorf("outer raised %v, want the inner *Panic %v unwrapped again", ro, ri)
	}
	if p := ro.(*Panic); p.Value != "deep" {
		t.Errorf("Value = %v, want deep", p.Value)
	}
}

// TestGoexitKept: a goroutine ended by runtime.Goexit left no answer; it
// is kept as ErrGoexit, and the goroutine's own deferred calls still
// run.
func TestGoexitKept(t *testing.T) {
	var g Catcher
	deferred := false
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { deferred = true }()
		g.Run(runtime.Goexit)
		t.Error("Goexit did not end the goroutine")
	})
	wg.Wait()
	if !deferred {
		t.Error("the goroutine's deferred call did not run")
	}
	p, ok := catch(g.Repanic).(*Panic)
	if !ok || !errors.Is(p, ErrGoexit) {
		t.Fatalf("Repanic raised %v, want a *Panic of ErrGoexit", p)
	}
}

// TestPanicNil: panic(nil) is a panic (a *runtime.PanicNilError), not
// Goexit.
func TestPanicNil(t *testing.T) {
	var g Catcher
	var wg sync.WaitGroup
	wg.Go(func() { g.Run(func() { panic(nil) }) })
	wg.Wait()
	p, ok := catch(g.Repanic).(*Panic)
	var pn *runtime.PanicNilError
	if !ok || !errors.As(p, &pn) {
		t.Fatalf("Repanic raised %v, want a *Panic of *runtime.PanicNilError", p)
	}
}
