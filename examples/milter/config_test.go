package main

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/rbl"
)

func TestParseConfigEmpty(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("# nothing\n\n   \n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, &Config{}) {
		t.Errorf("ParseConfig(comments) = %+v, want the zero Config", c)
	}
	if s := c.String(); s != "" {
		t.Errorf("zero Config renders %q, want nothing", s)
	}
	if n, a := network(c.Listen); n != "tcp" || a != "127.0.0.1:8891" {
		t.Errorf("network(default) = %s %s, want tcp 127.0.0.1:8891", n, a)
	}
}

func TestParseConfigValues(t *testing.T) {
	in := `listen = 127.0.0.1:10025
resolver = 127.0.0.1 [::1]:5353,192.0.2.53:53
authserv_id = mx.example.org
on_internal_error = accept
max_message_size = 10M
data_timeout = 45s
greylist_max_age = 35d
greylist_retry_window = 1w
greylist = yes
greylist_delay = 1s
reject_score = 12.5
score.RCVD_IN_DNSBL = 4
score.SPF_FAIL=-0.5
dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*3
	list.dnswl.org=127.0.[0..255].[1..3]*-2
dnsbl_reject = no
uribl_sites = multi.surbl.org=&8
mime_reject = none
mime_strip = executable macro
mime_unchecked = reject
`
	c, err := ParseConfig(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, "inet:127.0.0.1:10025"},
		{"resolver", c.Resolver, []string{"127.0.0.1:53", "[::1]:5353", "192.0.2.53:53"}},
		{"authserv_id", c.AuthservID, "mx.example.org"},
		{"on_internal_error", c.OnInternalError, "accept"},
		{"max_message_size", c.MaxMessageSize, int64(10 << 20)},
		{"data_timeout", c.DataTimeout, 45 * time.Second},
		{"greylist_max_age", c.GreylistMaxAge, 35 * 24 * time.Hour},
		{"greylist_retry_window", c.GreylistRetryWindow, 7 * 24 * time.Hour},
		{"greylist", c.Greylist.On(false), true},
		{"greylist_delay", c.GreylistDelay, time.Second},
		{"reject_score", *c.RejectScore, 12.5},
		{"scores", c.Scores, map[string]float64{"RCVD_IN_DNSBL": 4, "SPF_FAIL": -0.5}},
		{"dnsbl sites", len(c.DNSBLSites), 2},
		{"dnsbl weight", c.DNSBLSites[1].Weight, -2},
		{"dnsbl kind", c.DNSBLSites[0].Kind, rbl.KindIP},
		{"dnsbl", c.DNSBL.On(len(c.DNSBLSites) > 0), true},
		{"dnsbl_reject", c.DNSBLReject.On(true), false},
		{"uribl kind", c.URIBLSites[0].Kind, rbl.KindDomain},
		{"mime_reject", c.MIMEReject, []mime.Kind{}},
		{"mime_reject set", c.MIMERejectSet, true},
		{"mime_strip", c.MIMEStrip, []mime.Kind{mime.KindExecutable, mime.KindMacro}},
		{"mime_unchecked", c.MIMEUnchecked, mime.ActionReject},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
	again, err := ParseConfig(strings.NewReader(c.String()))
	if err != nil {
		t.Fatalf("ParseConfig(String()) = %v\n%s", err, c)
	}
	if !reflect.DeepEqual(again, c) {
		t.Errorf("ParseConfig(String()) = %+v, want %+v", again, c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		want error
	}{
		{"nonsense\n", 1, ErrConfigSyntax},
		{"  continued = 1\n", 1, ErrConfigSyntax},
		{"Listen = x\n", 1, ErrConfigSyntax},
		{"rdns = yes\nrdnss = yes\n", 2, ErrUnknownSetting},
		{"score. = 1\n", 1, ErrUnknownSetting},
		{"rdns = yes\n\nrdns = no\n", 3, ErrDuplicate},
		{"rdns = maybe\n", 1, ErrBadValue},
		{"listen = inet:127.0.0.1\n", 1, ErrBadValue},
		{"listen = inet:127.0.0.1:99999\n", 1, ErrBadValue},
		{"listen = unix:\n", 1, ErrBadValue},
		{"resolver = ns.example.org\n", 1, ErrBadValue},
		{"on_internal_error = reject\n", 1, ErrBadValue},
		{"max_message_size = 10T\n", 1, ErrBadValue},
		{"max_message_size = 9999999999999G\n", 1, ErrBadValue},
		{"data_timeout = -1s\n", 1, ErrBadValue},
		{"score.NO_SUCH_RULE = 1\n", 1, ErrUnknownSetting},
		{"reject_score = 0\n", 0, ErrConfigIncoherent},
		{"add_header_score = -1\n", 0, ErrConfigIncoherent},
		{"greylist_max_age = 99999999999999d\n", 1, ErrBadValue},
		{"reject_score = NaN\n", 1, ErrBadValue},
		{"score.SPF_FAIL = Inf\n", 1, ErrBadValue},
		{"score.SPF_FAIL =\n", 1, ErrBadValue},
		{"dnsbl_sites = zen.spamhaus.org=127.0.0.[2..\n", 1, ErrBadValue},
		{"mime_strip = virus\n", 1, ErrBadValue},
		{"authserv_id = mx example\n", 1, ErrBadValue},
		{"dnsbl_threshold = -1\n", 1, ErrBadValue},
		{"greylist_store = mysql://x\n", 1, ErrBadValue},
		{"dnsbl = yes\n", 0, ErrConfigIncoherent},
		{"bayes = yes\n", 0, ErrConfigIncoherent},
		{"rdns = no\nhelo = yes\n", 0, ErrConfigIncoherent},
		{"arc_seal_domain = example.org\n", 0, ErrConfigIncoherent},
		// The session seals only what it verified (ARC's cv=): with
		// arc = no the seal would be silently left out.
		{"arc = no\narc_seal_domain = example.org\narc_seal_selector = s\narc_seal_key_file = /k\n", 0, ErrConfigIncoherent},
		{"greylist_delay = 10m\ngreylist_retry_window = 5m\n", 0, ErrConfigIncoherent},
		{"add_header_score = 20\nreject_score = 10\n", 0, ErrConfigIncoherent},
		{strings.Repeat("#", MaxConfigBytes+1), 0, ErrConfigTooLarge},
	} {
		_, err := ParseConfig(strings.NewReader(tc.in))
		var ce *ConfigError
		if !errors.Is(err, tc.want) || !errors.As(err, &ce) || ce.Line != tc.line {
			t.Errorf("ParseConfig(%.40q) = %v, want %v at line %d", tc.in, err, tc.want, tc.line)
		}
	}
}

// TestSample parses the annotated sample, and checks that it documents
// every setting (as "name =" on a line of its own, commented or not)
// and that its commented-out examples parse too.
func TestSample(t *testing.T) {
	data, err := os.ReadFile("milter.conf.sample")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseConfig(strings.NewReader(string(data))); err != nil {
		t.Fatalf("milter.conf.sample: %v", err)
	}
	documented := map[string]bool{}
	re := regexp.MustCompile(`(?m)^#?([a-z0-9_.]+) =`)
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = true
	}
	for _, s := range settings {
		if !documented[s.name] {
			t.Errorf("milter.conf.sample does not document %s", s.name)
		}
	}
	// Uncomment every example (and its continuation lines) and parse:
	// the sample shows only values the parser takes.
	var b strings.Builder
	example := regexp.MustCompile(`^#([a-z0-9_.]+ =.*)$`)
	inExample := false
	for _, l := range strings.Split(string(data), "\n") {
		if m := example.FindStringSubmatch(l); m != nil {
			b.WriteString(m[1] + "\n")
			inExample = true
		} else if inExample && strings.HasPrefix(l, "#    ") {
			b.WriteString(strings.TrimPrefix(l, "#") + "\n")
		} else {
			inExample = false
		}
	}
	c, err := ParseConfig(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("the sample's examples, uncommented: %v\n%s", err, b.String())
	}
	if len(c.DNSBLSites) != 3 {
		t.Errorf("the sample's dnsbl_sites example has %d lists, want 3 (continuation lines)", len(c.DNSBLSites))
	}
}
