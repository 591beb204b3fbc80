package arc

import (
	"context"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// TestVerifyHeaderNilBody checks that a nil body is a message without a
// body, not a nil dereference: VerifyHeader(ctx, h, nil) panicked.
func TestVerifyHeaderNilBody(t *testing.T) {
	h := dkim.Header{{Name: "From", Raw: "From: a@example.com\r\n"}}
	o, err := (&Verifier{}).VerifyHeader(context.Background(), h, nil)
	if err != nil || o.Result != None {
		t.Errorf("VerifyHeader(header without ARC, nil body) = %v, %v; want none, no error", o, err)
	}
}
