package arc_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/spamkit/spamkit/dkim/arc"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// TestUnsignedFields prepends a From and a Subject to a sealed message:
// the newest ARC-Message-Signature covers the bottom instances (RFC
// 6376 §5.4.2, by RFC 8617 §4.1.2) and the chain still passes, but the
// Outcome names the fields with instances it does not cover.
func TestUnsignedFields(t *testing.T) {
	srv := dkimtest.Server(t)
	v := &arc.Verifier{Resolver: srv.Resolver()}
	s := sealers(t)[0]
	s.Oversign = []string{} // the sealer leaves room for another From
	sealed := seal(t, s, dkimtest.Read(t, "messages/plain.eml"), arc.None)
	got, err := v.Verify(context.Background(), bytes.NewReader(sealed))
	if err != nil || got.Result != arc.Pass || len(got.UnsignedFields) != 0 {
		t.Fatalf("Verify(sealed) = %v, UnsignedFields %q, %v, want pass, none", got, got.UnsignedFields, err)
	}
	replayed := append([]byte("From: ceo@example.org\r\nSubject: Wire the money\r\n"), sealed...)
	got, err = v.Verify(context.Background(), bytes.NewReader(replayed))
	if err != nil || got.Result != arc.Pass {
		t.Fatalf("Verify(replayed) = %v, %v, want pass", got, err)
	}
	if want := []string{"from", "subject"}; !slices.Equal(got.UnsignedFields, want) {
		t.Errorf("Verify(replayed).UnsignedFields = %q, want %q", got.UnsignedFields, want)
	}
}

// TestSealOversign: by default the Sealer signs From, To, Subject and
// Date once more than they occur (RFC 6376 §8.15, as dkim.Signer does),
// so a From prepended to the sealed message breaks the newest
// ARC-Message-Signature.
func TestSealOversign(t *testing.T) {
	srv := dkimtest.Server(t)
	v := &arc.Verifier{Resolver: srv.Resolver()}
	sealed := seal(t, sealers(t)[0], dkimtest.Read(t, "messages/plain.eml"), arc.None)
	if got, err := v.Verify(context.Background(), bytes.NewReader(sealed)); err != nil || got.Result != arc.Pass {
		t.Fatalf("Verify(sealed) = %v, %v, want pass", got, err)
	}
	replayed := append([]byte("From: ceo@example.org\r\n"), sealed...)
	got, err := v.Verify(context.Background(), bytes.NewReader(replayed))
	if err != nil || got.Result != arc.Fail || !errors.Is(got.Err, arc.ErrMessageSignature) {
		t.Errorf("Verify(replayed) = %v, %v, want fail (ErrMessageSignature)", got, err)
	}
}
