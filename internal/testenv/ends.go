package testenv

import (
	"context"
	"sync"
)

// EndingContext is a context that ends at its n-th look (call of Err),
// never if n is 0: a deadline that passes while the work runs, at a
// point the test chooses without timing. Looks after that see it ended
// too, with context.Canceled; Done is closed at that look. It has no
// deadline and no values. It is safe for concurrent use.
type EndingContext struct {
	context.Context // Background: Deadline and Value
	mu              sync.Mutex
	n, looks        int
	done            chan struct{}
}

// EndsAt returns a context that ends at its n-th look, never if n is 0.
func EndsAt(n int) *EndingContext {
	return &EndingContext{Context: context.Background(), n: n, done: make(chan struct{})}
}

// Err counts a look and returns context.Canceled from the n-th on.
func (c *EndingContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looks++
	if c.looks == c.n {
		close(c.done)
	}
	if c.n > 0 && c.looks >= c.n {
		return context.Canceled
	}
	return nil
}

// Done is closed at the n-th look.
func (c *EndingContext) Done() <-chan struct{} { return c.done }

// Looks returns how many times Err was called.
func (c *EndingContext) Looks() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.looks
}
