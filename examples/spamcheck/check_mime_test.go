package main

import (
	"strings"
	"testing"
)

// TestDemoMIME checks the mime check's lines in the demo: the clean
// samples pass, the malware sample's zipped double-extension executable
// and macro document are found and the message is rejected.
func TestDemoMIME(t *testing.T) {
	tests := []struct {
		file        string
		want, avoid []string
	}{
		{"samples/legit.eml", []string{"mime    1 parts, 0 named, 0 findings", "mime    policy: accept"}, []string{"mime    policy: reject"}},
		{"samples/spam.eml", []string{"mime    policy: accept"}, nil},
		{"samples/malware.eml", []string{
			"mime    8 parts, 6 named, 4 findings",
			`mime    double-extension at 2/invoice.zip:invoice.pdf.exe: "invoice.pdf.exe": .pdf.exe`,
			"mime    executable at 2/invoice.zip:invoice.pdf.exe: application/vnd.microsoft.portable-executable by magic number",
			"mime    macro at 3: OOXML document with a VBA project (word/vbaProject.bin)",
			"mime    policy: reject (double-extension at 2/invoice.zip:invoice.pdf.exe; executable at 2/invoice.zip:invoice.pdf.exe)",
		}, []string{"mime    error"}},
	}
	for _, tt := range tests {
		got := sampleOutput(t, tt.file)
		for _, want := range tt.want {
			if !strings.Contains(got, want) {
				t.Errorf("demo output for %s lacks %q; output:\n%s", tt.file, want, got)
			}
		}
		for _, avoid := range tt.avoid {
			if strings.Contains(got, avoid) {
				t.Errorf("demo output for %s has %q; output:\n%s", tt.file, avoid, got)
			}
		}
	}
}
