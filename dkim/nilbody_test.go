package dkim

import (
	"context"
	"testing"
)

// TestVerifyHeaderNilBody checks that a nil body is a message without a
// body (ReadHeader allows one), not a nil dereference: VerifyHeader(ctx,
// h, nil) panicked.
func TestVerifyHeaderNilBody(t *testing.T) {
	h := Header{{Name: "From", Raw: "From: a@example.com\r\n"}}
	outs, err := (&Verifier{}).VerifyHeader(context.Background(), h, nil)
	if err != nil || len(outs) != 0 {
		t.Errorf("VerifyHeader(unsigned header, nil body) = %v, %v; want no outcome, no error", outs, err)
	}
}
