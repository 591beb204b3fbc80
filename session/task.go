package session

import (
	"context"
)

// task is a check running in the background: started at one stage,
// collected at a later one.
type task[T any] struct {
	done chan struct{}
	v    T
	err  error
}

// start runs f in a goroutine under ctx.
func start[T any](ctx context.Context, f func(context.Context) (T, error)) *task[T] {
	t := &task[T]{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		t.v, t.err = f(ctx)
	}()
	return t
}

// wait waits for the task until ctx ends; ok is false if ctx ended first.
func (t *task[T]) wait(ctx context.Context) (v T, err error, ok bool) {
	select {
	case <-t.done:
		return t.v, t.err, true
	default:
	}
	select {
	case <-t.done:
		return t.v, t.err, true
	case <-ctx.Done():
		return v, nil, false
	}
}
