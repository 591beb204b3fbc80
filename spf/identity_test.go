package spf

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// TestCheckMailFrom checks the reverse-paths Check accepts (RFC 5321
// §4.1.2 with the leniencies of doc.go) and what it makes of them.
func TestCheckMailFrom(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		from           string
		want           Result
		id             Identity
		sender, domain string
		err            error // in Outcome.Err
	}{
		{"jo@pass.test", Pass, IdentityMailFrom, "jo@pass.test", "pass.test", nil},
		{"<jo@pass.test>", Pass, IdentityMailFrom, "jo@pass.test", "pass.test", nil},
		{"JO.Smith+tag@PASS.test", Pass, IdentityMailFrom, "JO.Smith+tag@PASS.test", "PASS.test", nil},
		{"~jack&jill=up-a_b3.c@pass.test", Pass, IdentityMailFrom, "~jack&jill=up-a_b3.c@pass.test", "pass.test", nil},
		{`"jo smith"@pass.test`, Pass, IdentityMailFrom, "jo smith@pass.test", "pass.test", nil},
		{`<"jo\"s\\x"@pass.test>`, Pass, IdentityMailFrom, `jo"s\x@pass.test`, "pass.test", nil},
		{`"jo@home"@pass.test`, Pass, IdentityMailFrom, "jo@home@pass.test", "pass.test", nil},
		{"<@relay.example,@relay2.example:jo@pass.test>", Pass, IdentityMailFrom, "jo@pass.test", "pass.test", nil},
		{"@pass.test", Pass, IdentityMailFrom, "postmaster@pass.test", "pass.test", nil}, // §4.3
		{"<@pass.test>", Pass, IdentityMailFrom, "postmaster@pass.test", "pass.test", nil},
		{`""@pass.test`, Pass, IdentityMailFrom, "postmaster@pass.test", "pass.test", nil},
		{"jo@pass.test.", Pass, IdentityMailFrom, "jo@pass.test.", "pass.test.", nil},
		{"jo..x.@pass.test", Pass, IdentityMailFrom, "jo..x.@pass.test", "pass.test", nil},
		{"jörg@pass.test", Pass, IdentityMailFrom, "jörg@pass.test", "pass.test", nil},                 // RFC 6531
		{"jo@bücher.test", Pass, IdentityMailFrom, "jo@xn--bcher-kva.test", "xn--bcher-kva.test", nil}, // §4.3: A-labels
		{"jo@xn--bcher-kva.test", Pass, IdentityMailFrom, "jo@xn--bcher-kva.test", "xn--bcher-kva.test", nil},
		{"jo@123.pass.test", None, IdentityMailFrom, "jo@123.pass.test", "123.pass.test", nil},
		{"jo@[192.0.2.1]", None, IdentityMailFrom, "jo@[192.0.2.1]", "[192.0.2.1]", ErrInvalidDomain},                      // §4.3
		{"jo@[IPv6:2001:db8::1]", None, IdentityMailFrom, "jo@[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]", ErrInvalidDomain}, // §4.3
		{"<@[192.0.2.1]>", None, IdentityMailFrom, "postmaster@[192.0.2.1]", "[192.0.2.1]", ErrInvalidDomain},
		{"jo@single", None, IdentityMailFrom, "jo@single", "single", ErrInvalidDomain}, // §4.3
		// §4.3: a malformed domain is none, not an invalid identity
		// (the suite's emptylabel).
		{"jo@A...pass.test", None, IdentityMailFrom, "jo@A...pass.test", "A...pass.test", ErrInvalidDomain},
		{"jo@.pass.test", None, IdentityMailFrom, "jo@.pass.test", ".pass.test", ErrInvalidDomain},
		{"jo@pass.test..", None, IdentityMailFrom, "jo@pass.test..", "pass.test..", ErrInvalidDomain},
		{"jo@bücher..test", None, IdentityMailFrom, "jo@xn--bcher-kva..test", "xn--bcher-kva..test", ErrInvalidDomain},
		{"jo@bü_x.test", None, IdentityMailFrom, "jo@bü_x.test", "bü_x.test", ErrInvalidDomain}, // no A-label: left as it is
		{"<jo@" + strings.Repeat("a", 64) + ".pass.test>", None, IdentityMailFrom, "jo@" + strings.Repeat("a", 64) + ".pass.test", strings.Repeat("a", 64) + ".pass.test", ErrInvalidDomain},
		{"jo@-pass.test", None, IdentityMailFrom, "jo@-pass.test", "-pass.test", nil}, // no such domain
		{"jo@pass_test.example", None, IdentityMailFrom, "jo@pass_test.example", "pass_test.example", nil},
		{"", Pass, IdentityHELO, "postmaster@mail.helo.test", "mail.helo.test", nil}, // §2.4
		{"<>", Pass, IdentityHELO, "postmaster@mail.helo.test", "mail.helo.test", nil},
	} {
		t.Run(tc.from, func(t *testing.T) {
			ip := ip
			if tc.id == IdentityHELO {
				ip = netip.MustParseAddr("192.0.2.30")
			}
			o := must(t)(c.Check(context.Background(), ip, "mail.helo.test", tc.from))
			if o.Result != tc.want || o.Identity != tc.id || o.Sender != tc.sender || o.Domain != tc.domain {
				t.Errorf("Check(%q) = %s, %s, sender %q, domain %q; want %s, %s, %q, %q", tc.from, o.Result, o.Identity, o.Sender, o.Domain, tc.want, tc.id, tc.sender, tc.domain)
			}
			if !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) {
				t.Errorf("Check(%q).Err = %v, want %v", tc.from, o.Err, tc.err)
			}
		})
	}
}

// TestCheckInvalidMailFrom checks that a MAIL FROM that is no RFC 5321
// reverse-path is refused with ErrInvalidIdentity, before any lookup,
// and that neither header echoes it.
func TestCheckInvalidMailFrom(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.receiver.test", RecordQueries: true}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, from := range []string{
		"Return-Path: tim.one@pass.test", // issue 10: a header field
		"Return-Path:<tim.one@pass.test>",
		"tim one@pass.test", // a space outside quotes
		"tim.one@pass.test ",
		" <tim.one@pass.test>",
		"<tim.one@pass.test> SIZE=100",
		"tim.one@pass.test\r\n",
		"tim\r\n.one@pass.test",
		"tim.one\x00@pass.test",
		"tim.one\x7f@pass.test",
		"\xff\xfe@pass.test", // not UTF-8
		"tim.one@pass.test\xc3",
		"tim.one",   // no domain
		"tim.one@",  // no domain
		"<tim.one>", // no domain
		"<tim.one@pass.test",
		"tim.one@pass.test>",
		"<<tim.one@pass.test>>",
		"<>x",
		"<@relay.example:>",
		"<@relay.example,tim.one@pass.test>",
		"<@:tim.one@pass.test>",
		"<@[192.0.2.9]:tim.one@pass.test>", // At-domain is a Domain
		"<@relay.example:@relay2.example:tim.one@pass.test>",
		"a@b@pass.test",
		"tim(comment)@pass.test",
		"tim,one@pass.test",
		"[tim]@pass.test",
		`"unterminated@pass.test`,
		`"tim"one@pass.test`,
		`"tim\`,
		"\"tim\x01\"@pass.test",
		"tim@pass test",
		"tim@[192.0.2.1",
		"tim@[300.1.1.1]",
		"tim@[192.0.2.1]x",
		"tim@[IPv6:192.0.2.1]",
		"tim@[IPv6:fe80::1%eth0]",
		"tim@[2001:db8::1]",
		"tim@[]",
		"tim@",
		"<tim@>",
		"<@>",
		"tim@pass.test;",
		"tim@pass.test/x",
		"tim@bü cher.test",
	} {
		t.Run(from, func(t *testing.T) {
			o, err := c.Check(context.Background(), ip, "h.test", from)
			if !errors.Is(err, ErrInvalidIdentity) || !errors.Is(o.Err, ErrInvalidIdentity) || o.Result != None {
				t.Fatalf("Check(%q) = %s, %v, want none, ErrInvalidIdentity", from, o, err)
			}
			if len(o.Queries) != 0 || o.Lookups != 0 || o.Sender != "" || o.Domain != "" {
				t.Errorf("Check(%q) = %s, sender %q, domain %q, %d queries: want no lookup and no identity", from, o, o.Sender, o.Domain, len(o.Queries))
			}
			if o.Reason() != "invalid identity" {
				t.Errorf("Check(%q).Reason() = %q, want %q", from, o.Reason(), "invalid identity")
			}
			for _, h := range []string{o.ReceivedSPF(), o.AuthResult().String()} {
				if strings.Contains(h, "tim") || strings.Contains(h, "pass.test") || strings.Contains(h, "relay") {
					t.Errorf("Check(%q): header %q echoes the MAIL FROM", from, h)
				}
			}
			if !strings.Contains(o.ReceivedSPF(), `problem="invalid identity"`) {
				t.Errorf("Check(%q).ReceivedSPF() = %q, want the problem", from, o.ReceivedSPF())
			}
		})
	}
}

// TestCheckHELOAnyName checks that a HELO name that is no domain is
// none for the HELO identity, never an error (RFC 7208 §2.3, §4.3), and
// that Received-SPF carries it only as a quoted, sanitized helo= value.
func TestCheckHELOAnyName(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver(), ReceiverHost: "mx.receiver.test"}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, helo := range []string{"[192.0.2.1]", "OEMCOMPUTER", "a b", "x\r\nReceived-SPF: pass", "", "\xff.test"} {
		for _, from := range []string{"", "<>"} {
			o := must(t)(c.Check(context.Background(), ip, helo, from))
			if o.Result != None || o.Identity != IdentityHELO || !errors.Is(o.Err, ErrInvalidDomain) {
				t.Errorf("Check(HELO %q, %q) = %s, want none for helo with ErrInvalidDomain", helo, from, o)
			}
			h := strings.ReplaceAll(o.ReceivedSPF(), "\r\n ", "")
			for i := 0; i < len(h); i++ {
				if h[i] < 0x20 || h[i] > 0x7e {
					t.Errorf("Check(HELO %q).ReceivedSPF() = %q, carries octet %#02x", helo, h, h[i])
					break
				}
			}
		}
		o := must(t)(c.CheckHELO(context.Background(), ip, helo))
		if o.Result != None || !errors.Is(o.Err, ErrInvalidDomain) {
			t.Errorf("CheckHELO(%q) = %s, want none with ErrInvalidDomain", helo, o)
		}
	}
}

// TestCheckSenderIDIdentity checks that CheckSenderID reads its
// identity as Check reads a MAIL FROM.
func TestCheckSenderIDIdentity(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	o := must(t)(c.CheckSenderID(context.Background(), ip, "h.test", `<"jo smith"@pass.test>`, ScopeMFrom))
	if o.Result != Pass || o.Sender != "jo smith@pass.test" {
		t.Errorf("CheckSenderID(quoted) = %s, sender %q, want pass for jo smith@pass.test", o, o.Sender)
	}
	for _, scope := range []Scope{ScopeMFrom, ScopePRA} {
		o, err := c.CheckSenderID(context.Background(), ip, "h.test", "From: jo@pass.test", scope)
		if !errors.Is(err, ErrInvalidIdentity) || o.Result != None || o.Sender != "" {
			t.Errorf("CheckSenderID(%s, header field) = %s, %v, want none, ErrInvalidIdentity", scope, o, err)
		}
	}
	if _, err := c.CheckSenderID(context.Background(), ip, "h.test", "", ScopePRA); !errors.Is(err, ErrInvalidIdentity) {
		t.Errorf("CheckSenderID(pra, empty) error %v, want ErrInvalidIdentity", err)
	}
	// A PRA with a quoted local-part is checked as the mailbox it is.
	o = must(t)(c.CheckPRA(context.Background(), ip, "h.test", []byte("From: \"Jo\" <\"jo smith\"@pass.test>\r\n\r\n")))
	if o.Result != Pass || o.Sender != "jo smith@pass.test" || o.Identity != IdentityPRA {
		t.Errorf("CheckPRA(quoted local-part) = %s, sender %q, want pass for jo smith@pass.test", o, o.Sender)
	}
}

// TestCheckHostSender checks that CheckHost refuses a <sender> with
// control characters or invalid UTF-8, which no MAIL FROM can give, and
// takes any other as check_host's <sender>.
func TestCheckHostSender(t *testing.T) {
	srv := checksServer(t)
	c := &Checker{Resolver: srv.Resolver()}
	ip := netip.MustParseAddr("192.0.2.1")
	for _, sender := range []string{"jo\r\n@pass.test", "jo@pass.test\x00", "\xff@pass.test"} {
		o, err := c.CheckHost(context.Background(), ip, "h.test", "pass.test", sender)
		if !errors.Is(err, ErrInvalidIdentity) || o.Result != None || o.Sender != "" {
			t.Errorf("CheckHost(sender %q) = %s, %v, want none, ErrInvalidIdentity", sender, o, err)
		}
	}
	for _, tc := range []struct{ sender, want string }{
		{"jo smith@pass.test", "jo smith@pass.test"},
		{"pass.test", "postmaster@pass.test"},
		{"@pass.test", "postmaster@pass.test"},
	} {
		o := must(t)(c.CheckHost(context.Background(), ip, "h.test", "pass.test", tc.sender))
		if o.Result != Pass || o.Sender != tc.want {
			t.Errorf("CheckHost(sender %q) = %s, sender %q, want pass for %q", tc.sender, o, o.Sender, tc.want)
		}
	}
}

// TestReversePathIDNAEquivalents: a domain is read as the A-labels IDNA
// maps it to (RFC 7208 §4.3), so a reverse-path whose domain maps to the
// one of another parses as that other: one that maps to nothing (U+00AD
// soft hyphens) has no domain and is refused as "a@" is, never taken for
// the null path; one that maps to "." (a soft hyphen before a final dot,
// an ideographic full stop) is "a@." (none at check_host), whichever
// full stop ends it.
func TestReversePathIDNAEquivalents(t *testing.T) {
	for _, tc := range []struct{ in, ascii string }{
		{"a@\u00ad", "a@"},
		{"<a@\u00ad>", "<a@>"},
		{"<@\u00ad:a@pass.test>", "<@:a@pass.test>"},
		{"a@\u00ad.", "a@."},
		{"a@\u00ad\u3002", "a@."},
		{"a@\u00ad..", "a@.."},
		{"a@pass\u00ad.test", "a@pass.test"},
		{"a@pass.test\u3002", "a@pass.test."},
		{"a@pass.test.\u00ad", "a@pass.test."},
	} {
		m, err := parseReversePath(tc.in)
		want, wantErr := parseReversePath(tc.ascii)
		if m != want || (err == nil) != (wantErr == nil) || err != nil && !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("parseReversePath(%+q) = %+v, %v; want %+v, %v as for %q", tc.in, m, err, want, wantErr, tc.ascii)
		}
	}
}
