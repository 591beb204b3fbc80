package session

import (
	"context"
	"errors"
	"fmt"
)

// recovered turns a recovered panic value into an error wrapping
// ErrCheck and ErrPanic (nil for nil). The value itself stays out of
// the error: it may carry anything.
func recovered(r any) error {
	if r == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrCheck, ErrPanic)
}

// panicked reports whether err is a recovered panic.
func panicked(err error) bool { return errors.Is(err, ErrPanic) }

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
		defer func() {
			if err := recovered(recover()); err != nil {
				var zero T
				t.v, t.err = zero, err
			}
		}()
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
