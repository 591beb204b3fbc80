package arc_test

import (
	"errors"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/dkim/arc"
)

// TestZeroStreams checks that streams not made by Begin report
// dkim.ErrNotStarted instead of panicking, and that a verification that
// never started is a fail, never none or pass.
func TestZeroStreams(t *testing.T) {
	var vs arc.VerifyStream
	if _, err := vs.Write([]byte("x")); !errors.Is(err, dkim.ErrNotStarted) {
		t.Errorf("VerifyStream{}.Write = %v, want ErrNotStarted", err)
	}
	if o := vs.Close(); o.Result != arc.Fail || !errors.Is(o.Err, dkim.ErrNotStarted) || o.Reason() != "verification not started" {
		t.Errorf("VerifyStream{}.Close() = %v (%q), want fail with ErrNotStarted", o, o.Reason())
	}
	var ss arc.SealStream
	if _, err := ss.Write([]byte("x")); !errors.Is(err, dkim.ErrNotStarted) {
		t.Errorf("SealStream{}.Write = %v, want ErrNotStarted", err)
	}
	if f, err := ss.Close(nil, arc.None); !errors.Is(err, dkim.ErrNotStarted) || f != "" {
		t.Errorf("SealStream{}.Close() = %q, %v, want ErrNotStarted", f, err)
	}
}
