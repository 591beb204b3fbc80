package report

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseFailureFile(t *testing.T, name string) (*FailureReport, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "failure", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return new(Parser).ParseFailure(f)
}

func TestParseFailure(t *testing.T) {
	fr, err := parseFailureFile(t, "rfc9991.eml")
	if err != nil {
		t.Fatal(err)
	}
	if fr.FeedbackType != "auth-failure" || fr.AuthFailure != "dmarc" || fr.Version != "1" || fr.UserAgent != "DMARC-Filter/1.2.3" {
		t.Errorf("fields = %q %q %q %q", fr.FeedbackType, fr.AuthFailure, fr.Version, fr.UserAgent)
	}
	if !slices.Equal(fr.IdentityAlignment, []string{"dkim", "spf"}) {
		t.Errorf("Identity-Alignment = %q", fr.IdentityAlignment)
	}
	if fr.DKIMDomain != "consumer.example" || fr.DKIMIdentity != "@consumer.example" || fr.DKIMSelector != "epsilon" {
		t.Errorf("DKIM = %q %q %q", fr.DKIMDomain, fr.DKIMIdentity, fr.DKIMSelector)
	}
	if fr.SourceIP != netip.MustParseAddr("192.0.2.2") || fr.SourcePort != 12345 {
		t.Errorf("source = %v:%d", fr.SourceIP, fr.SourcePort)
	}
	if want := time.Date(2025, 1, 7, 5, 57, 48, 0, time.UTC); !fr.ArrivalDate.Equal(want) {
		t.Errorf("Arrival-Date = %v, want %v", fr.ArrivalDate, want)
	}
	if len(fr.AuthenticationResults) != 1 || !strings.Contains(fr.AuthenticationResults[0], "dmarc=fail header.from=consumer.example") {
		t.Errorf("Authentication-Results = %q", fr.AuthenticationResults)
	}
	if fr.OriginalMailFrom != "author=gen.example@forwarder.example" || !slices.Equal(fr.OriginalRcptTo, []string{"x@gen.example"}) ||
		!slices.Equal(fr.ReportedDomain, []string{"consumer.example"}) || fr.DeliveryResult != "reject" || fr.Incidents != 1 {
		t.Errorf("report = %+v", fr)
	}
	if fr.HeadersOnly || !strings.Contains(string(fr.Original), "Subject: The original subject") || !strings.Contains(string(fr.Original), "[ Message body was here ]") {
		t.Errorf("original = %q (headers only %v)", fr.Original, fr.HeadersOnly)
	}
	if !strings.HasPrefix(fr.Notes, "This is an authentication failure report") || fr.Subject != "FW: The original subject" {
		t.Errorf("notes %q subject %q", fr.Notes, fr.Subject)
	}
	if len(fr.Warnings) != 0 {
		t.Errorf("warnings = %q", fr.Warnings)
	}
}

func TestParseFailureHeadersOnly(t *testing.T) {
	fr, err := parseFailureFile(t, "headers-only.eml")
	if err != nil {
		t.Fatal(err)
	}
	if !fr.HeadersOnly || !strings.Contains(string(fr.Original), "Subject: Rent reminder") {
		t.Errorf("original = %q, headers only %v", fr.Original, fr.HeadersOnly)
	}
	if fr.SourceIP != netip.MustParseAddr("2001:db8::9") || fr.Incidents != 3 || fr.Subject != "DMARC Failure Report for example.com – Rent" {
		t.Errorf("source %v incidents %d subject %q", fr.SourceIP, fr.Incidents, fr.Subject)
	}
	if len(fr.Warnings) != 1 || !strings.Contains(fr.Warnings[0], "Identity-Alignment") {
		t.Errorf("warnings = %q, want the missing Identity-Alignment", fr.Warnings)
	}
}

func TestParseFailureNotARF(t *testing.T) {
	if _, err := parseFailureFile(t, "no-arf.eml"); !errors.Is(err, ErrNotFeedback) {
		t.Errorf("ParseFailure(plain text) = %v, want ErrNotFeedback", err)
	}
	if _, err := new(Parser).ParseFailure(strings.NewReader("not a message")); !errors.Is(err, ErrNotFeedback) {
		t.Errorf("ParseFailure(garbage) = %v, want ErrNotFeedback", err)
	}
	if _, err := (&Parser{MaxParts: 2}).ParseFailure(mustOpen(t, "testdata/failure/rfc9991.eml")); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("ParseFailure with MaxParts 2 = %v, want ErrTooManyParts", err)
	}
	if _, err := (&Parser{MaxInputBytes: 100}).ParseFailure(mustOpen(t, "testdata/failure/rfc9991.eml")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ParseFailure with MaxInputBytes 100 = %v, want ErrTooLarge", err)
	}
}

func mustOpen(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFailureFieldComments(t *testing.T) {
	msg := "Content-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: message/feedback-report\r\n\r\n" +
		"Feedback-Type: auth-failure\r\nAuth-Failure: (why) DMARC\r\nIdentity-Alignment: dkim (signature broken),\r\n spf (not aligned)\r\n\r\n--b--\r\n"
	fr, err := new(Parser).ParseFailure(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if fr.AuthFailure != "dmarc" || !slices.Equal(fr.IdentityAlignment, []string{"dkim", "spf"}) {
		t.Errorf("Auth-Failure %q, Identity-Alignment %q", fr.AuthFailure, fr.IdentityAlignment)
	}
	noAuth := strings.Replace(msg, "Auth-Failure: (why) DMARC\r\n", "", 1)
	fr, err = new(Parser).ParseFailure(strings.NewReader(noAuth))
	if err != nil || len(fr.Warnings) != 1 || !strings.Contains(fr.Warnings[0], "Auth-Failure") {
		t.Errorf("missing Auth-Failure: warnings %q, %v", fr.Warnings, err)
	}
}

// TestWriteFailureRoundTrip writes a failure report and reads it back.
func TestWriteFailureRoundTrip(t *testing.T) {
	in, err := parseFailureFile(t, "rfc9991.eml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	now := time.Date(2025, 1, 7, 6, 0, 0, 0, time.UTC)
	if err := WriteFailure(&buf, in, "dmarc@gen.example", []string{"dmarcfail@consumer.example"}, now); err != nil {
		t.Fatal(err)
	}
	out, err := new(Parser).ParseFailure(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ParseFailure(WriteFailure) = %v\n%s", err, buf.String())
	}
	in.Fields, out.Fields = nil, nil
	if !out.ArrivalDate.Equal(in.ArrivalDate) {
		t.Errorf("Arrival-Date %v, want %v", out.ArrivalDate, in.ArrivalDate)
	}
	in.ArrivalDate, out.ArrivalDate = time.Time{}, time.Time{} // each parse makes its own zone
	// The fixture has LF line ends; a message is written with CRLF.
	out.Original = bytes.ReplaceAll(out.Original, []byte("\r\n"), []byte("\n"))
	in.Original = bytes.ReplaceAll(in.Original, []byte("\r\n"), []byte("\n"))
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", out, in)
	}
	if strings.Contains(strings.ReplaceAll(buf.String(), "\r\n", ""), "\n") {
		t.Error("bare LF in the message")
	}
	// Header injection through a field is refused.
	bad := *in
	bad.UserAgent = "x\r\nBcc: victim@example.com"
	if err := WriteFailure(new(bytes.Buffer), &bad, "a@b.example", []string{"c@d.example"}, now); !errors.Is(err, ErrInvalidRow) {
		t.Errorf("WriteFailure(line break) = %v, want ErrInvalidRow", err)
	}
	if err := WriteFailure(new(bytes.Buffer), in, "a@b.example", nil, now); !errors.Is(err, ErrNoDestination) {
		t.Errorf("WriteFailure(no recipient) = %v, want ErrNoDestination", err)
	}
}
