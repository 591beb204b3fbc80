package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// paddedHeader returns a message whose header is padded past 256 KiB
// (3000 fields of 100 bytes, each under Postfix's header_size_limit,
// which is per field) with top and bottom fields around the padding.
func paddedHeader(top, bottom string) []byte {
	var b strings.Builder
	b.WriteString(top)
	for i := range 3000 {
		fmt.Fprintf(&b, "X-Pad: %090d\r\n", i)
	}
	b.WriteString(bottom)
	b.WriteString("\r\nbody\r\n")
	return []byte(b.String())
}

// TestHeaderPastMax: a header padded past MaxHeaderBytes is refused
// (552 5.3.4) with a row saying why, whatever the zero Engine or a full
// one would have decided from the fields above the cut; the fields past
// the cut are still read for the names that matter (the forged
// Authentication-Results and X-Spam-* are in Remove, a From past the
// cut is the one DMARC judges), whether the message comes at once or in
// a milter's small writes.
func TestHeaderPastMax(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := Envelope{IP: netip.MustParseAddr("192.0.2.1"), HELO: "a.test", MailFrom: "a@a.test", Rcpts: []string{"b@b.test"}}
	msg := paddedHeader("Authentication-Results: mx.example.test; dkim=pass\r\nX-Spam-Flag: NO\r\n",
		"Authentication-Results: mx.example.test; dkim=pass header.d=bank.test\r\n"+
			"authentication-results: (c) \"mx.example.test\"; dmarc=pass\r\n"+
			"Authentication-Results: other.test; dkim=pass\r\n"+
			"X-Spam-Status: No, score=-5\r\nSubject: hi\r\n")
	want := []FieldRef{{"authentication-results", 3}, {"Authentication-Results", 2}, {"X-Spam-Flag", 1}, {"Authentication-Results", 1}, {"X-Spam-Status", 1}}
	check := func(t *testing.T, name string, v Verdict) {
		t.Helper()
		if v.Action != Reject || v.Reply.Code != 552 || v.Reply.Enhanced != "5.3.4" {
			t.Errorf("%s: %s, want reject 552 5.3.4", name, v)
		}
		r, ok := rowOf(v, "size")
		if !ok || r.Rule != HeaderTooBig || !errors.Is(r.Err, ErrHeaderTooLarge) {
			t.Errorf("%s: size row %v (%v), want %s with ErrHeaderTooLarge", name, r, r.Err, HeaderTooBig)
		}
		got := slices.Clone(v.Remove)
		cmp := func(a, b FieldRef) int {
			if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
				return c
			}
			return a.Index - b.Index
		}
		slices.SortFunc(got, cmp)
		w := slices.Clone(want)
		slices.SortFunc(w, cmp)
		if !slices.Equal(got, w) {
			t.Errorf("%s: Remove = %v, want %v", name, v.Remove, want)
		}
	}
	v, err := (&Engine{AuthServID: "mx.example.test"}).Check(ctx, env, msg)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "zero Engine, Check", v)

	e := &Engine{AuthServID: "mx.example.test"}
	s := e.NewSession(ctx)
	defer s.Close()
	s.Connect(ctx, env.IP, "")
	s.Helo(ctx, env.HELO)
	s.Mail(ctx, env.MailFrom)
	s.Rcpt(ctx, env.Rcpts[0])
	for c := range slicesChunk(msg, 100) {
		s.Write(c)
	}
	v, err = s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "zero Engine, 100-byte writes", v)

	// A spoof of example.com (p=reject) whose From is past the cut:
	// DMARC judges that From, and refuses the message (550, before the
	// header's 552).
	srv := testServer(t)
	e = testEngine(t, testResolver(srv, true))
	spoof := paddedHeader("To: bob@example.org\r\n", "From: ceo@example.com\r\nSubject: wire transfer\r\n")
	v, err = e.Check(ctx, Envelope{IP: dynIP, HELO: "example.net", MailFrom: "ceo@example.com", Rcpts: []string{"bob@example.org"}}, spoof)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Reject || v.Reply.Code != 550 {
		t.Errorf("padded spoof: %s, want reject 550 (DMARC)", v)
	}
	if r, ok := rowOf(v, "size"); !ok || r.Rule != HeaderTooBig {
		t.Errorf("padded spoof: size row %v, want %s", r, HeaderTooBig)
	}
	if r, _ := rowOf(v, "dmarc"); r.Rule != DMARCReject {
		t.Errorf("padded spoof: dmarc row %v, want %s (the From past the cut)", r, DMARCReject)
	}
}

// TestHeaderPastMaxBounded: past the cut the session keeps at most
// maxOverFields fields of the names it reads there, however many the
// header has.
func TestHeaderPastMaxBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "X-Spam-Pad: %040d\r\n", i)
	}
	msg := []byte(b.String() + "\r\nbody\r\n")
	e := &Engine{AuthServID: "mx.example.test", MaxHeaderBytes: 4096}
	v, err := e.Check(context.Background(), Envelope{}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != Reject || v.Reply.Code != 552 {
		t.Errorf("%s, want reject 552", v)
	}
	if n := len(v.Remove); n > 4096/len("X-Spam-Pad: \r\n")+maxOverFields || n < maxOverFields {
		t.Errorf("len(Remove) = %d, want about %d (bounded)", n, maxOverFields)
	}
}
