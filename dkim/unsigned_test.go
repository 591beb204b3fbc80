package dkim_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/dkim"
	"github.com/spamkit/spamkit/internal/dkimtest"
)

// TestUnsignedFieldsReplay replays a message signed without oversigning
// with a second From and Subject prepended: the signature covers the
// bottom instances (RFC 6376 §5.4.2) and still verifies, but readers
// show the top ones (§8.15). The Outcome must name the fields that have
// unsigned instances.
func TestUnsignedFieldsReplay(t *testing.T) {
	srv := dkimtest.Server(t)
	s := signer(t, "rsa2048", dkimtest.Key(t, "rsa2048"))
	s.Oversign = []string{} // the signer leaves room for another From
	signed := sign(t, s, testMessage)
	v := &dkim.Verifier{Resolver: srv.Resolver(), Now: fixedNow(signTime)}

	outs, err := v.Verify(context.Background(), strings.NewReader(signed))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.Pass {
		t.Fatalf("Verify(signed) = %v, %v, want one pass", outs, err)
	}
	if got := outs[0].UnsignedFields; len(got) != 0 {
		t.Errorf("Verify(signed).UnsignedFields = %q, want none", got)
	}

	replayed := "From: CEO <ceo@example.com>\r\nSubject: wire the money\r\n" + signed
	outs, err = v.Verify(context.Background(), strings.NewReader(replayed))
	if err != nil || len(outs) != 1 {
		t.Fatalf("Verify(replayed) = %v, %v, want one outcome", outs, err)
	}
	// The signature itself still verifies: that is RFC 6376's answer.
	if outs[0].Result != dkim.Pass {
		t.Errorf("Verify(replayed) = %v, want pass", outs[0])
	}
	if got, want := outs[0].UnsignedFields, []string{"from", "subject"}; !slices.Equal(got, want) {
		t.Errorf("Verify(replayed).UnsignedFields = %q, want %q", got, want)
	}

	// Oversigned (the Signer's default), the replay breaks the signature.
	s.Oversign = nil
	signed = sign(t, s, testMessage)
	outs, err = v.Verify(context.Background(), strings.NewReader("From: ceo@example.com\r\n"+signed))
	if err != nil || len(outs) != 1 || outs[0].Result != dkim.Fail {
		t.Errorf("Verify(oversigned, replayed) = %v, %v, want fail", outs, err)
	}
}

func TestUnsignedFieldsFunc(t *testing.T) {
	h := dkim.Header{
		{Name: "From", Raw: "From: a@x\r\n"},
		{Name: "to", Raw: "to: b@y\r\n"},
		{Name: "FROM", Raw: "FROM: c@x\r\n"},
		{Name: "Date", Raw: "Date: now\r\n"},
		{Name: "To", Raw: "To: d@y\r\n"},
	}
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"from"}, []string{"from"}},
		{[]string{"From", "from"}, nil},
		{[]string{"from", "from", "from", "to"}, []string{"to"}},
		{[]string{"To", "From", "Date", "x-none"}, []string{"to", "from"}},
		{[]string{"TO", "to", "FROM", "from", "date"}, nil},
		{nil, nil},
	} {
		if got := dkim.UnsignedFields(h, tc.names); !slices.Equal(got, tc.want) {
			t.Errorf("UnsignedFields(h, %q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}
