package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/spamkit/spamkit/resolver/resolvertest"
)

var demo struct {
	once sync.Once
	out  string
	err  error
}

// demoOutput runs the demo once, as the README's first command does, and
// returns its output, for the tests of every check (check_<pkg>_test.go).
func demoOutput(t *testing.T) string {
	t.Helper()
	demo.once.Do(func() {
		var out bytes.Buffer
		demo.err = run(context.Background(), []string{"-demo", "-testdata", "testdata"}, &out)
		demo.out = out.String()
	})
	if demo.err != nil {
		t.Fatalf("run -demo: %v\n%s", demo.err, demo.out)
	}
	return demo.out
}

// sampleOutput returns the part of the demo output about one sample.
func sampleOutput(t *testing.T, file string) string {
	t.Helper()
	out := demoOutput(t)
	_, rest, ok := strings.Cut(out, "== "+file+":")
	if !ok {
		t.Fatalf("demo output has no section for %s:\n%s", file, out)
	}
	section, _, _ := strings.Cut(rest, "\n== ")
	return section
}

// TestDemo checks the DNS facts check's lines in the demo.
func TestDemo(t *testing.T) {
	got := demoOutput(t)
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

// TestRealMode checks one message file with an explicit envelope, as an
// operator would, against a nameserver given with -dns.
func TestRealMode(t *testing.T) {
	zone, err := demoZone("testdata")
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvertest.NewServer(t, resolvertest.Zone{Origin: ".", Text: zone})
	var out bytes.Buffer
	args := []string{"-dns", srv.Addr, "-ip", "::ffff:192.0.2.10", "-helo", "mail.example.com", "-from", "alice@example.com", "testdata/samples/legit.eml"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	for _, want := range []string{
		"== testdata/samples/legit.eml: client 192.0.2.10,",
		"PTR 192.0.2.10: mail.example.com.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q; output:\n%s", want, out.String())
		}
	}
	if srv.Count("", resolvertest.AnyType) == 0 {
		t.Errorf("the nameserver given with -dns saw no query")
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err == nil {
		t.Errorf("run() with no arguments = nil error, want usage error")
	}
}
