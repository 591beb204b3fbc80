package testenv

import (
	"sync"
	"time"
)

// CountingContext is a parent context, never cancelled, that counts
// the contexts derived from it still registered for its cancellation:
// the context package registers a child with a parent that has an
// AfterFunc method and releases it when the child is cancelled. A check
// that derives a context and never cancels it leaves Live above zero;
// on a long-lived parent (a connection's context) each such child stays
// until the parent ends. It is safe for concurrent use.
type CountingContext struct {
	done chan struct{}
	mu   sync.Mutex
	live int
}

// NewCountingContext returns a CountingContext.
func NewCountingContext() *CountingContext {
	return &CountingContext{done: make(chan struct{})}
}

func (c *CountingContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *CountingContext) Done() <-chan struct{}       { return c.done }
func (c *CountingContext) Err() error                  { return nil }
func (c *CountingContext) Value(any) any               { return nil }

// AfterFunc counts a registration until its stop is called. (The
// context never ends, so f never runs.)
func (c *CountingContext) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	c.live++
	c.mu.Unlock()
	var once sync.Once
	return func() bool {
		stopped := false
		once.Do(func() {
			c.mu.Lock()
			c.live--
			c.mu.Unlock()
			stopped = true
		})
		return stopped
	}
}

// Live returns the number of registrations not released.
func (c *CountingContext) Live() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
