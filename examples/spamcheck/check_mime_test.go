package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestDemoMIME checks the mime check's lines in the demo: the clean
// samples pass, the malware sample's zipped double-extension executable
// and macro document are found and the message is rejected.
func TestDemoMIME(t *testing.T) {
	tests := []struct {
		file        string
		want, avoid []string
	}{
		{"samples/legit.eml", []string{"mime    1 parts, 0 named, 1 texts, 0 findings", "mime    policy: accept"}, []string{"mime    policy: reject"}},
		{"samples/spam.eml", []string{"mime    policy: accept"}, nil},
		{"samples/malware.eml", []string{
			"mime    8 parts, 6 named, 1 texts, 4 findings",
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

// TestDNSOutageKeepsContentChecks: with a nameserver that never answers,
// the DNS checks spend their whole deadline waiting, yet the attachment
// scan, which has its own deadline, still runs in full and rejects the
// malware sample. Once the two shared one deadline, so a DNS outage left
// the scan no time and the scan's policy accepted the message.
func TestDNSOutageKeepsContentChecks(t *testing.T) {
	// A UDP socket that reads nothing: every query times out.
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	var out bytes.Buffer
	args := []string{"-dns", dead.LocalAddr().String(), "-timeout", "300ms",
		"-ip", "203.0.113.66", "-helo", "mx.example.org", "-from", "billing@example.org",
		"testdata/samples/malware.eml"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, err := run(ctx, args, &out)
	if err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	if code != exitReject {
		t.Errorf("exit status %d, want %d", code, exitReject)
	}
	got := out.String()
	for _, want := range []string{
		"mime    executable at 2/invoice.zip:invoice.pdf.exe",
		"mime    policy: reject (double-extension at 2/invoice.zip:invoice.pdf.exe; executable at 2/invoice.zip:invoice.pdf.exe)",
		"spf=temperror",
		"verdict reject: 554 5.7.1 Message content rejected",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q; output:\n%s", want, got)
		}
	}
	if strings.Contains(got, "scan timed out") || strings.Contains(got, "mime    policy: accept") {
		t.Errorf("the scan lost its time to DNS; output:\n%s", got)
	}
}
