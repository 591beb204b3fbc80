package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/session"
)

// Settings of the -config file apply to the flags the command line did
// not set; testdata/smtpd.conf, the annotated sample, parses.
func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "smtpd.conf")
	if err := os.WriteFile(conf, []byte(`# test
listen = 127.0.0.1:2525
domains = example.org
maildir = /var/mail/smtpd
greet-wait = 2s
greet-banner = " spaced "
read-timeout = 1m
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := parseConfig([]string{"-config", conf, "-listen", "127.0.0.1:0", "-stutter=0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:0" || c.Domains != "example.org" || c.GreetWait != 2*time.Second || c.GreetBanner != " spaced " || c.ReadTimeout != time.Minute || c.Stutter != 0 {
		t.Errorf("parseConfig = %+v", c)
	}
	if c.DataTimeout != 10*time.Minute || c.MaxMessageBytes != 10240000 {
		t.Errorf("defaults: data-timeout %s, max-message-bytes %d", c.DataTimeout, c.MaxMessageBytes)
	}

	sample, err := parseConfig([]string{"-config", filepath.Join("testdata", "smtpd.conf")}, io.Discard)
	if err != nil {
		t.Fatalf("testdata/smtpd.conf: %v", err)
	}
	if sample.Domains == "" {
		t.Errorf("testdata/smtpd.conf sets no domains")
	}
}

func TestParseConfigErrors(t *testing.T) {
	dir := t.TempDir()
	n := 0
	write := func(text string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("c%d.conf", n))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := []string{"-domains", "example.org", "-maildir", dir}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no domains", []string{"-maildir", dir}, "-domains"},
		{"nowhere", []string{"-domains", "example.org"}, "nowhere to deliver"},
		{"both", append(base, "-relay", "lmtp:127.0.0.1:24"), "choose one"},
		{"cert alone", append(base, "-tls-cert", "c.pem"), "go together"},
		{"zero timeout", append(base, "-data-timeout", "0s"), "-data-timeout"},
		{"unknown setting", append(base, "-config", write("nosuch = 1\n")), `unknown setting "nosuch"`},
		{"no equals", append(base, "-config", write("listen\n")), "no '='"},
		{"nested", append(base, "-config", write("config = x\n")), "cannot name another"},
		{"bad value", append(base, "-config", write("read-timeout = forever\n")), "read-timeout"},
		{"control", append(base, "-config", write("hostname = a\x00b\n")), "control character"},
		{"arguments", append(base, "extra"), "unexpected arguments"},
	} {
		_, err := parseConfig(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: parseConfig = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// A config file over maxConfigBytes is refused with errConfigTooLarge.
func TestConfigTooLarge(t *testing.T) {
	big := strings.Repeat("# a comment line of some length, repeated\n", maxConfigBytes/42+2)
	c := &config{}
	if err := applyFile(c.flagSet(), strings.NewReader(big), nil); !errors.Is(err, errConfigTooLarge) {
		t.Errorf("applyFile(%d octets) = %v, want errConfigTooLarge", len(big), err)
	}
}

// TestBuildEngineValidates: a composition the session would answer with
// 451 on every message (here -uribl with -mime=false: the links come from
// the MIME scan's texts) is refused at start-up.
func TestBuildEngineValidates(t *testing.T) {
	cfg, err := parseConfig([]string{"-domains", "example.test", "-maildir", t.TempDir(), "-uribl", "uribl.test", "-mime=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	e, closeEngine, err := buildEngine(cfg, nil, nil, "mx.example.test", time.Now)
	if closeEngine != nil {
		defer closeEngine()
	}
	if !errors.Is(err, session.ErrConfig) {
		t.Fatalf("buildEngine(-uribl -mime=false) = %v, %v; want session.ErrConfig", e, err)
	}
}
