package report

import (
	"net/netip"
	"testing"
)

func TestSummarize(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")
	r1 := &Report{Rows: []Row{
		{SourceIP: a, Count: 10, DKIM: AlignedPass, SPF: AlignedPass, Disposition: DispositionNone, HeaderFrom: "example.com"},
		{SourceIP: a, Count: 3, DKIM: AlignedFail, SPF: AlignedPass, Disposition: DispositionNone, HeaderFrom: "Example.COM"},
		{SourceIP: b, Count: 4, DKIM: AlignedFail, SPF: AlignedFail, Disposition: DispositionReject, HeaderFrom: "example.com"},
	}}
	r2 := &Report{Rows: []Row{
		{SourceIP: b, Count: 20, DKIM: AlignedFail, SPF: AlignedFail, Disposition: DispositionNone, HeaderFrom: "news.example.com"},
		{SourceIP: a, Count: 1, DKIM: AlignedPass, SPF: AlignedFail, Disposition: DispositionPass, HeaderFrom: "news.example.com"},
	}}
	s := Summarize(r1, nil, r2)
	if s.Reports != 2 {
		t.Errorf("Reports = %d, want 2", s.Reports)
	}
	if want := (Tally{Messages: 38, Pass: 14, Fail: 24, DKIMPass: 11, SPFPass: 13, Enforced: 4}); s.Total != want {
		t.Errorf("Total = %+v, want %+v", s.Total, want)
	}
	wantSrc := []SourceTally{
		{b, Tally{Messages: 24, Fail: 24, Enforced: 4}},
		{a, Tally{Messages: 14, Pass: 14, DKIMPass: 11, SPFPass: 13}},
	}
	if len(s.BySource) != 2 || s.BySource[0] != wantSrc[0] || s.BySource[1] != wantSrc[1] {
		t.Errorf("BySource = %+v, want %+v", s.BySource, wantSrc)
	}
	wantDom := []DomainTally{
		{"news.example.com", Tally{Messages: 21, Pass: 1, Fail: 20, DKIMPass: 1}},
		{"example.com", Tally{Messages: 17, Pass: 13, Fail: 4, DKIMPass: 10, SPFPass: 13, Enforced: 4}},
	}
	if len(s.ByDomain) != 2 || s.ByDomain[0] != wantDom[0] || s.ByDomain[1] != wantDom[1] {
		t.Errorf("ByDomain = %+v, want %+v", s.ByDomain, wantDom)
	}
}
