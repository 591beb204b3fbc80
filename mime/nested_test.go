package mime

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// innerMessage is a message whose attachment is a program.
var innerMessage = mimetest.Message("inner", "see attached", att("invoice.pdf.exe", "application/octet-stream", mimetest.PE()))

// TestMessageWhereverCarried: a message attachment is a message
// wherever it is carried (issue 11, issue 12): sent as
// application/octet-stream, named .eml, or inside a zip, it is walked
// as message/rfc822 is, under the same limits, and its program found.
func TestMessageWhereverCarried(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
	}{
		{"octet-stream", mimetest.Message("s", "x", att("", "application/octet-stream", innerMessage))},
		{"octet-stream named .eml", mimetest.Message("s", "x", att("fwd.eml", "application/octet-stream", innerMessage))},
		{"text/plain named .eml", mimetest.Message("s", "x", att("fwd.eml", "text/plain", innerMessage))},
		{"eml in zip", mimetest.Message("s", "x", att("mail.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "fwd.eml", Data: innerMessage})))},
		{"eml in zip, stored", mimetest.Message("s", "x", att("mail.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "fwd.eml", Data: innerMessage, Store: true})))},
		{"eml in tar.gz", mimetest.Message("s", "x", att("mail.tgz", "application/gzip", mimetest.Gzip("mail.tar", mimetest.Tar(mimetest.ZipEntry{Name: "mail/fwd.eml", Data: innerMessage}))))},
		{"message without a name in zip", mimetest.Message("s", "x", att("mail.zip", "application/zip", mimetest.Zip(mimetest.ZipEntry{Name: "data.bin", Data: innerMessage})))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scan(t, &Scanner{}, tt.msg)
			if !r.Has(KindExecutable) || !r.Has(KindDoubleExtension) {
				t.Errorf("Scan(%s) findings = %q, want %s and %s\n%s", tt.name, findings(r), KindExecutable, KindDoubleExtension, r)
			}
			if o := (Policy{}).Decide(r); o.Result != ActionReject {
				t.Errorf("Decide(%s) = %v, want reject", tt.name, o)
			}
		})
	}
	// The same limits: a message nested in itself past MaxDepth.
	nested := innerMessage
	for range 5 {
		nested = mimetest.Message("s", "x", att("fwd.eml", "application/octet-stream", nested))
	}
	r := scan(t, &Scanner{MaxDepth: 4}, nested)
	if !r.Has(KindLimitDepth) {
		t.Errorf("Scan(6 nested .eml, MaxDepth 4) findings = %q, want %s", findings(r), KindLimitDepth)
	}
	if o := (Policy{}).Decide(r); o.Result == ActionAccept {
		t.Errorf("Decide(6 nested .eml, MaxDepth 4) = %v, want no accept", o)
	}
}

// TestNotAMessage: text that merely starts like a header is not walked
// as a message: the text body of a message, a note with one field-like
// line.
func TestNotAMessage(t *testing.T) {
	for _, text := range []string{
		"From: Alice\r\nSent: Monday\r\nTo: Bob\r\nSubject: hi\r\n\r\nforwarded inline",
		"Note: bring the keys\r\nthanks",
	} {
		r := scan(t, &Scanner{}, mimetest.Message("s", text, att("note.txt", "text/plain", []byte("Note: bring the keys\r\n"))))
		for _, p := range r.Parts {
			if strings.Count(p.Path, ".") > 0 || p.DetectedType == "message/rfc822" {
				t.Errorf("Scan(text %.20q): part %s %s, want no message walked", text, p.Path, p.DetectedType)
			}
		}
	}
}

// TestActiveHTMLWholePart: active content after 4 MiB of an HTML
// attachment is found (issue 11: only the first 4 MiB were searched).
func TestActiveHTMLWholePart(t *testing.T) {
	t.Parallel() // no heap measured: runs beside the other parallel tests, after the measuring ones
	var b bytes.Buffer
	b.WriteString("<html><body>\n")
	for b.Len() < 5<<20 {
		b.WriteString("<p>Quarterly figures, nothing to see here.</p>\n")
	}
	for _, tail := range []string{"<script>location='x'</script>", "<img src=x onerror=alert(1)>", "<SCRIPT src=a.js>"} {
		data := append(bytes.Clone(b.Bytes()), tail...)
		r := scan(t, &Scanner{}, mimetest.Message("s", "x", att("report.html", "text/html", data)))
		if !r.Has(KindHTMLActive) {
			t.Errorf("Scan(%d bytes of HTML then %q) findings = %q, want %s", len(data), tail, findings(r), KindHTMLActive)
		}
	}
	// At a window's edge too.
	for _, at := range []int{1<<20 - 3, 1<<20 - 100, 2 << 20} {
		data := bytes.Repeat([]byte("x"), 3<<20)
		copy(data[at:], "<script>")
		copy(data, "<html>")
		if got := activeHTML(data); len(got) == 0 || got[0] != "script" {
			t.Errorf("activeHTML(<script> at %d of %d) = %q, want script", at, len(data), got)
		}
	}
	_ = context.Background
}
