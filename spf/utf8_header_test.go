package spf

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestReceivedSPFUTF8 checks that an SMTPUTF8 sender (RFC 6531) is
// written into Received-SPF as UTF-8, which RFC 6532 §3.2 allows in
// atext, qtext and ctext, not as "??" (the address was lost) nor as RFC
// 2047 encoded words (not allowed inside a quoted-string, RFC 2047 §5,
// so envelope-from would no longer be the address). Octets that are no
// UTF-8 and controls still become "?", so the field stays valid UTF-8.
func TestReceivedSPFUTF8(t *testing.T) {
	o := Outcome{Result: Pass, Identity: IdentityMailFrom, IP: netip.MustParseAddr("192.0.2.1"),
		Sender: "jörg@exämple.test", Domain: "exämple.test", HELO: "mail.example.test", Receiver: "mx.example.org"}
	h := o.ReceivedSPF()
	for _, want := range []string{`envelope-from="jörg@exämple.test"`, "domain of jörg@exämple.test"} {
		if !strings.Contains(strings.ReplaceAll(h, "\r\n", ""), want) {
			t.Errorf("ReceivedSPF() = %q, want it to hold %q", h, want)
		}
	}
	o.Sender = "j\xff\x01ö@example.test"
	h = o.ReceivedSPF()
	if !utf8.ValidString(h) || !strings.Contains(h, `j??ö`) || strings.Contains(h, "\x01") {
		t.Errorf("ReceivedSPF() = %q, want valid UTF-8 with j??ö", h)
	}
}

// FuzzReceivedSPF checks that whatever the client sent as MAIL FROM and
// HELO, Received-SPF is one field: valid UTF-8, no control but the CRLF
// of a fold, each fold followed by a space, and the sender's UTF-8
// letters kept.
func FuzzReceivedSPF(f *testing.F) {
	f.Add("jörg@exämple.test", "mail.example.test")
	f.Add("j\xff\x01@x.test", "h\r\nX-Evil: 1")
	f.Add(`"a b"@x.test`, "(x)")
	f.Fuzz(func(t *testing.T, sender, helo string) {
		o := Outcome{Result: Pass, Identity: IdentityMailFrom, IP: netip.MustParseAddr("192.0.2.1"),
			Sender: sender, HELO: helo, Receiver: "mx.example.org"}
		h := o.ReceivedSPF()
		if !utf8.ValidString(h) {
			t.Fatalf("ReceivedSPF(%q, %q) = %q: not UTF-8", sender, helo, h)
		}
		for i, r := range h {
			if r == '\r' {
				if !strings.HasPrefix(h[i:], "\r\n ") {
					t.Fatalf("ReceivedSPF(%q, %q) = %q: CR at %d is no fold", sender, helo, h, i)
				}
				continue
			}
			if r == '\n' && i > 0 && h[i-1] == '\r' {
				continue
			}
			if r < 0x20 || r >= 0x7f && r <= 0x9f {
				t.Fatalf("ReceivedSPF(%q, %q) = %q: control %U at %d", sender, helo, h, r, i)
			}
		}
		if utf8.ValidString(sender) {
			for _, r := range sender {
				if r >= 0xa0 && r != utf8.RuneError && !strings.ContainsRune(h, r) {
					t.Fatalf("ReceivedSPF(%q, %q) = %q: lost %q", sender, helo, h, r)
				}
			}
		}
	})
}
