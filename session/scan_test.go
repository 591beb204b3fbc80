package session

import (
	"context"
	"testing"
)

// TestHeaderScanLinear: a header line written a byte at a time (a client
// trickling its DATA) is searched for its line end once, not once per
// byte: 256 KiB cost 34 billion byte comparisons (1.2 s of CPU per
// message) when every Write searched the whole partial line again.
func TestHeaderScanLinear(t *testing.T) {
	t.Parallel()
	e := &Engine{MaxHeaderBytes: 64 << 10}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Mail(ctx, "alice@example.com")
	s.Write([]byte("Subject: hi\r\nX-Long: "))
	for range 32 << 10 {
		s.Write([]byte{'a'})
	}
	s.Write([]byte("\r\nFrom: alice@example.com\r\n\r\nbody\r\n"))
	if !s.hdrDone || s.hdrTooBig {
		t.Fatalf("header done %v, too big %v; want done within the cap", s.hdrDone, s.hdrTooBig)
	}
	if n := s.size; s.scanWork > 2*int(n) {
		t.Errorf("searched %d bytes for line ends in a %d-byte header: quadratic", s.scanWork, n)
	}
}
