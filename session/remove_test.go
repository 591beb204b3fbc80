package session

import (
	"context"
	"slices"
	"testing"
)

// TestRemoveForged: the received fields a receiver must not pass on are
// named in Verdict.Remove with their 1-based index among the fields of
// their name, as SMFIR_CHGHEADER takes it: Authentication-Results
// claiming this host's authserv-id (RFC 8601 §5), also when malformed,
// and X-Spam-* set in advance by the sender. Results of other hosts stay.
func TestRemoveForged(t *testing.T) {
	t.Parallel()
	e := &Engine{AuthServID: "mx.example.org"}
	msg := "Received: from a by b; Thu, 26 Nov 2026 11:59:00 +0000\r\n" +
		"Authentication-Results: mx.upstream.example; spf=pass smtp.mailfrom=example.com\r\n" +
		"Authentication-Results: MX.Example.Org;\r\n\tdkim=pass header.d=bank.example\r\n" +
		"X-Spam-Status: No, score=-5.0 required=5.0\r\n" +
		"authentication-results: (forged) mx.example.org; dmarc=pass\r\n" +
		"Authentication-Results: \"mx.example.org\" ;;; garbage (\r\n" +
		"x-spam-flag: NO\r\n" +
		"X-Spam-Flag: NO\r\n" +
		"X-Spamkit-Error: none\r\n" +
		"X-Spammy: not ours\r\n" +
		"From: alice@example.com\r\n" +
		"Subject: hello\r\n" +
		"\r\n" +
		"Authentication-Results: mx.example.org; in the body, not a field\r\n"
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Mail(ctx, "alice@example.com")
	s.Write([]byte(msg))
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Bottom up, so that each index holds whether or not the MTA
	// renumbers the fields of a name after a deletion.
	want := []FieldRef{
		{"X-Spamkit-Error", 1},
		{"X-Spam-Flag", 2},
		{"x-spam-flag", 1},
		{"Authentication-Results", 4},
		{"authentication-results", 3},
		{"X-Spam-Status", 1},
		{"Authentication-Results", 2},
	}
	if !slices.Equal(v.Remove, want) {
		t.Errorf("Remove = %v,\nwant %v", v.Remove, want)
	}

	// A message with nothing forged removes nothing.
	s.Mail(ctx, "alice@example.com")
	s.Write([]byte("From: alice@example.com\r\nAuthentication-Results: other.example; none\r\n\r\nhi\r\n"))
	if v, _ := s.EndOfData(ctx); len(v.Remove) != 0 {
		t.Errorf("clean message: Remove = %v, want none", v.Remove)
	}
}

// TestRemoveForgedPastHeaderCap: a sender who pads the header past
// MaxHeaderBytes and puts a forged Authentication-Results below the
// padding must not have it delivered: the fields past the cap are named
// in Remove as well.
func TestRemoveForgedPastHeaderCap(t *testing.T) {
	t.Parallel()
	e := &Engine{AuthServID: "mx.example.org", MaxHeaderBytes: 4096}
	var msg []byte
	msg = append(msg, "X-Spam-Status: No\r\n"...)
	for i := 0; len(msg) < 8192; i++ {
		msg = append(msg, "X-Pad: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n"...)
	}
	msg = append(msg, "Authentication-Results: mx.example.org; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example\r\n"+
		"X-Spam-Flag: NO\r\n"+
		"From: security@bank.example\r\n"+
		"Subject: verify your account\r\n"+
		"\r\n"+
		"Authentication-Results: mx.example.org; in the body, not a field\r\n"...)
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	s.Mail(ctx, "alice@example.com")
	s.Write(msg)
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []FieldRef{{"X-Spam-Flag", 1}, {"Authentication-Results", 1}, {"X-Spam-Status", 1}}
	if !slices.Equal(v.Remove, want) {
		t.Errorf("Remove = %v,\nwant %v", v.Remove, want)
	}
}
