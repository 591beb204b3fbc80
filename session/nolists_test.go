package session

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
)

// TestNoUsableLists: a list checker with no list it can ask (HashBL with
// neither address nor SHA-256 hash lists, URIBL with no domain list,
// DNSBL with no IP list) cannot run on any message: Validate reports
// ErrConfig, and a session's verdict has no clean row for it but a
// SPAMKIT_ERROR row wrapping ErrConfig and rbl.ErrNoLists, decided by
// OnError (451 4.3.0 by default): a check that could not run never
// looks like a pass.
func TestNoUsableLists(t *testing.T) {
	t.Parallel()
	domainOnly := []rbl.List{{Zone: "dbl.example", Kind: rbl.KindDomain}}
	ipOnly := []rbl.List{{Zone: "zen.example"}}
	for _, tc := range []struct {
		name  string
		check string
		e     Engine
	}{
		{"HashBL with a domain list", "hashbl", Engine{HashBL: &rbl.Checker{Lists: domainOnly}}},
		{"HashBL with no list", "hashbl", Engine{HashBL: &rbl.Checker{}}},
		{"HashBL with an MD5 hash list", "hashbl", Engine{HashBL: &rbl.Checker{Lists: []rbl.List{{Zone: "hash.example", Kind: rbl.KindHash, Digest: rbl.MD5Hex}}}}},
		{"URIBL with an IP list", "uribl", Engine{URIBL: &rbl.Checker{Lists: ipOnly}}},
		{"DNSBL with a domain list", "dnsbl", Engine{DNSBL: &rbl.Checker{Lists: domainOnly}}},
	} {
		if err := tc.e.Validate(); !errors.Is(err, ErrConfig) || !errors.Is(err, rbl.ErrNoLists) {
			t.Errorf("%s: Validate() = %v, want ErrConfig and rbl.ErrNoLists", tc.name, err)
		}
		e := tc.e
		e.MIME = &mime.Scanner{}
		ctx := context.Background()
		s := e.NewSession(ctx)
		s.Connect(ctx, netip.MustParseAddr("192.0.2.1"), "")
		s.Mail(ctx, "alice@example.com")
		s.Write(message("alice@example.com", "hello", "See https://www.example.net/ today.\r\n"))
		v, err := s.EndOfData(ctx)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		var fault bool
		for _, r := range v.Rows {
			if r.Check != tc.check {
				continue
			}
			if r.Rule == InternalError && errors.Is(r.Err, ErrConfig) && errors.Is(r.Err, rbl.ErrNoLists) && r.Reason == "configuration error" {
				fault = true
			} else {
				t.Errorf("%s: row %v, want none but %s (configuration error)", tc.name, r, InternalError)
			}
		}
		if !fault {
			t.Errorf("%s: rows %v, want %s %s=error (configuration error) wrapping ErrConfig", tc.name, v.Rows, InternalError, tc.check)
		}
		if v.Action != Tempfail || v.Reply.Code != 451 || !errors.Is(v.Err, ErrConfig) {
			t.Errorf("%s: %s (err %v), want 451 4.3.0 with ErrConfig", tc.name, v, v.Err)
		}
	}
	// URIBL reads the texts MIME decodes: without MIME it never runs.
	if err := (&Engine{URIBL: &rbl.Checker{Lists: domainOnly}}).Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("URIBL without MIME: Validate() = %v, want ErrConfig", err)
	}
	// Address lists alone, or SHA-256 hash lists alone, are usable.
	for _, lists := range [][]rbl.List{{{Zone: "addr.example", Kind: rbl.KindAddress}}, {{Zone: "hash.example", Kind: rbl.KindHash}}} {
		if err := (&Engine{HashBL: &rbl.Checker{Lists: lists}, MIME: &mime.Scanner{}}).Validate(); err != nil {
			t.Errorf("HashBL %v: Validate() = %v, want nil", lists, err)
		}
	}
}

// TestDNSBLNoListForFamily: IPv4-only lists (NoIPv6) and an IPv6 client:
// nothing to ask, which is no fault (the message was tempfailed 451
// 4.3.0 every time, "check could not run") and no clean row: a skipped
// one saying why.
func TestDNSBLNoListForFamily(t *testing.T) {
	t.Parallel()
	e := &Engine{DNSBL: &rbl.Checker{Lists: []rbl.List{{Zone: "zen.example", NoIPv6: true}}}}
	if err := e.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	ctx := context.Background()
	s := e.NewSession(ctx)
	defer s.Close()
	if r := s.Connect(ctx, netip.MustParseAddr("2001:db8::25"), ""); r.Action != Continue {
		t.Fatalf("Connect = %v, want continue", r)
	}
	s.Mail(ctx, "alice@example.com")
	s.Write(message("alice@example.com", "hello", "Hi.\r\n"))
	v, err := s.EndOfData(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := rowOf(v, "dnsbl")
	if !ok || r.Rule != Skipped || r.Result != "skipped" || !errors.Is(r.Err, rbl.ErrNoLists) {
		t.Errorf("dnsbl row %v (err %v), want %s dnsbl=skipped wrapping rbl.ErrNoLists", r, r.Err, Skipped)
	}
	if v.Err != nil || v.Action != Accept {
		t.Errorf("verdict %s (err %v), want accept, no internal error", v, v.Err)
	}
}
