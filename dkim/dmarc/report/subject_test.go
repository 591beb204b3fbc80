package report

import "testing"

func TestParseSubject(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want SubjectFields
	}{
		{"Report Domain: example.com Submitter: mail.receiver.example Report-ID: <sample-ridtxt@example.com>",
			SubjectFields{"example.com", "mail.receiver.example", "sample-ridtxt@example.com"}},
		{"Report Domain: example.com\r\n    Submitter: mail.receiver.example\r\n    Report-ID: <1@x>",
			SubjectFields{"example.com", "mail.receiver.example", "1@x"}},
		{"Report domain: borschow.example Submitter: google.com Report-ID: 949348866075514174",
			SubjectFields{"borschow.example", "google.com", "949348866075514174"}},
		{"Report Domain: oetlive.example; Submitter: Mail.Ru; Report-ID: 18520205951976380991788048000",
			SubjectFields{"oetlive.example", "Mail.Ru", "18520205951976380991788048000"}},
		{"Dmarc Aggregate Report Domain: {Shop.Example} Submitter: {Amazon SES} Date: {2026-05-08} Report-ID: {1bc0}",
			SubjectFields{"shop.example", "Amazon SES", "1bc0"}},
		{"Report Domain: example.org Submitter: yahoo.com Report-ID: <1781329895.35241>",
			SubjectFields{"example.org", "yahoo.com", "1781329895.35241"}},
		{"Report Domain: example.com Submitter: x.example", SubjectFields{"example.com", "x.example", ""}},
	} {
		got, ok := ParseSubject(tt.in)
		if !ok || got != tt.want {
			t.Errorf("ParseSubject(%q) = %+v, %v; want %+v", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"", "Hello", "Report Domain: example.com", "Submitter: x Domain: y"} {
		if got, ok := ParseSubject(in); ok {
			t.Errorf("ParseSubject(%q) = %+v, want not ok", in, got)
		}
	}
	// What a Reporter writes reads back.
	r := newReporter()
	k := Key{"example.com", 1735689600}
	got, ok := ParseSubject(r.Subject(k))
	if want := (SubjectFields{"example.com", "mail.receiver.example", "1735689600.example.com@mail.receiver.example"}); !ok || got != want {
		t.Errorf("ParseSubject(Subject) = %+v, want %+v", got, want)
	}
}
