package guardtest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// CloseRepanics begins the verification of msg with begin (the Begin of
// a dkim or arc Verifier whose Resolver panics with want), writes its
// body, and checks that close (the stream's Close) raises the lookups'
// panic again on the caller's goroutine, at every call.
func CloseRepanics[S io.Writer](t *testing.T, want any, msg []byte, begin func(context.Context, dkim.Header, *dkim.Body) (S, error), close func(S) any) {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, _, err := dkim.ReadHeader(br, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := begin(t.Context(), h, nil)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if _, err := br.WriteTo(s); err != nil {
		t.Fatalf("writing the body: %v", err)
	}
	for range 2 {
		Repanics(t, want, func() {
			t.Errorf("Close returned %v, want a panic", close(s))
		})
	}
}
