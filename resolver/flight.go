package resolver

import (
	"context"
	"sync"

	"github.com/spamkit/spamkit/internal/guard"
)

// flight collapses concurrent identical queries into one (a
// "singleflight"). The shared query runs on a context detached from any
// one caller; each caller waits on its own context and returns as soon as
// that ends, and the shared query is cancelled when its last caller has
// gone.
type flight struct {
	mu    sync.Mutex
	calls map[cacheKey]*call
}

type call struct {
	done    chan struct{}
	a       *answer
	err     error
	waiters int
	cancel  context.CancelFunc
	// panicked keeps a panic of the query, raised again for every
	// waiter (as golang.org/x/sync/singleflight does).
	panicked guard.Catcher
}

func (f *flight) do(ctx context.Context, k cacheKey, fn func(context.Context) (*answer, error)) (*answer, error) {
	f.mu.Lock()
	if c, ok := f.calls[k]; ok {
		c.waiters++
		f.mu.Unlock()
		return f.wait(ctx, k, c)
	}
	if f.calls == nil {
		f.calls = make(map[cacheKey]*call)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &call{done: make(chan struct{}), waiters: 1, cancel: cancel}
	f.calls[k] = c
	f.mu.Unlock()
	go func() {
		var a *answer
		var err error
		defer func() {
			f.mu.Lock()
			if f.calls[k] == c {
				delete(f.calls, k)
			}
			f.mu.Unlock()
			c.a, c.err = a, err
			cancel()
			close(c.done)
		}()
		// A panic of fn (the user's Trace) is raised again on each
		// waiter's goroutine; here it would end the process.
		c.panicked.Run(func() { a, err = fn(sctx) })
	}()
	return f.wait(ctx, k, c)
}

func (f *flight) wait(ctx context.Context, k cacheKey, c *call) (*answer, error) {
	select {
	case <-c.done:
		c.panicked.Repanic()
		return c.a, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			if f.calls[k] == c {
				delete(f.calls, k)
			}
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
}
