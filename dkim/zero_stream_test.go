package dkim_test

import (
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim"
)

// TestZeroStreams checks that streams not made by Begin (or
// NewBodyHasher) report ErrNotStarted instead of panicking, and that a
// verification that never started is no clean result.
func TestZeroStreams(t *testing.T) {
	var vs dkim.VerifyStream
	if _, err := vs.Write([]byte("x")); !errors.Is(err, dkim.ErrNotStarted) {
		t.Errorf("VerifyStream{}.Write = %v, want ErrNotStarted", err)
	}
	outs := vs.Close()
	if len(outs) != 1 || outs[0].Result != dkim.PermError || !errors.Is(outs[0].Err, dkim.ErrNotStarted) {
		t.Errorf("VerifyStream{}.Close() = %v, want one permerror with ErrNotStarted", outs)
	}
	if r := outs[0].Reason(); r != "verification not started" {
		t.Errorf("Reason() = %q, want %q", r, "verification not started")
	}

	var ss dkim.SignStream
	if _, err := ss.Write([]byte("x")); !errors.Is(err, dkim.ErrNotStarted) {
		t.Errorf("SignStream{}.Write = %v, want ErrNotStarted", err)
	}
	if f, err := ss.Close(); !errors.Is(err, dkim.ErrNotStarted) || f != "" {
		t.Errorf("SignStream{}.Close() = %q, %v, want ErrNotStarted", f, err)
	}

	var bh dkim.BodyHasher
	if _, err := bh.Write([]byte("x")); !errors.Is(err, dkim.ErrNotStarted) {
		t.Errorf("BodyHasher{}.Write = %v, want ErrNotStarted", err)
	}
	if sum, n := bh.Sum(); sum != nil || n != 0 {
		t.Errorf("BodyHasher{}.Sum() = %x, %d, want nil, 0", sum, n)
	}
}
