package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs the demo end to end, as the README's first command does,
// and checks that each check reported on each sample.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-demo", "-testdata", "testdata"}, &out); err != nil {
		t.Fatalf("run -demo: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"== samples/legit.eml",
		"PTR 192.0.2.10: mail.example.com.",
		"HELO mail.example.com: 192.0.2.10, 2001:db8::10",
		"MX example.com: 10 mail.example.com.",
		"== samples/spam.eml",
		"PTR 198.51.113.45: 198-51-113-45.dyn.example.net.",
		"HELO example.net: no records (NODATA)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q; output:\n%s", want, got)
		}
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err == nil {
		t.Errorf("run() with no arguments = nil error, want usage error")
	}
}
