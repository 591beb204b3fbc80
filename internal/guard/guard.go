// Package guard carries a panic out of a goroutine that a check starts
// (a lookup on the user's Resolver, a Trace call) to the goroutine that
// waits for it, and raises it again there, so that the caller's own
// recover sees it as if the code had run on its goroutine. A panic in a
// goroutine nobody can recover would end the process.
//
// The pattern, for every goroutine that runs code the check does not
// own:
//
//	var g guard.Catcher
//	wg.Go(func() { g.Run(lookup) })
//	wg.Wait()
//	g.Repanic()
//
// A goroutine ended by runtime.Goexit in that code (testing.T.FailNow
// off the test's goroutine does it) left no answer either: it is kept
// like a panic, with the value ErrGoexit, so that the missing answer
// never reads as an empty one.
//
// golang.org/x/sync/singleflight does the same for the callers of a
// shared call.
package guard

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// Panic is the value Repanic raises: what a guarded goroutine panicked
// with, and that goroutine's stack when it did. It is an error, so
// that a caller's recover can log it whole; Unwrap returns Value when
// Value is an error.
type Panic struct {
	Value any
	Stack []byte
}

// Error names the panic value and holds the stack it came from.
func (p *Panic) Error() string {
	return fmt.Sprintf("spamkit: panic in a lookup goroutine: %v\n\n%s", p.Value, p.Stack)
}

// Unwrap returns Value if it is an error, else nil.
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// Catcher keeps the first panic of the goroutines that defer its
// Run. Its zero value is ready to use; it is safe for concurrent
// use by multiple goroutines.
type Catcher struct {
	mu sync.Mutex
	p  *Panic
}

// ErrGoexit is the Value of the Panic kept for a function that called
// runtime.Goexit.
var ErrGoexit = errors.New("spamkit: runtime.Goexit in a lookup goroutine")

// Run calls f and keeps its panic, if it is the first, or ErrGoexit if f
// called runtime.Goexit (which goes on ending the goroutine, after the
// caller's deferred calls). A *Panic (a nested guard raising again) is
// kept as it is, with the stack of its own origin.
func (c *Catcher) Run(f func()) {
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		if r == nil { // Goexit: panic(nil) recovers a *runtime.PanicNilError
			r = ErrGoexit
		}
		p, ok := r.(*Panic)
		if !ok {
			p = &Panic{Value: r, Stack: debug.Stack()}
		}
		c.mu.Lock()
		if c.p == nil {
			c.p = p
		}
		c.mu.Unlock()
	}()
	f()
	returned = true
}

// Panicked reports whether a guarded goroutine has panicked.
func (c *Catcher) Panicked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.p != nil
}

// Repanic raises again, on the calling goroutine, the first panic kept,
// if any. Call it once the guarded goroutines are done, or no longer
// waited for. The panic stays kept: every later call raises it again.
func (c *Catcher) Repanic() {
	c.mu.Lock()
	p := c.p
	c.mu.Unlock()
	if p != nil {
		panic(p)
	}
}
