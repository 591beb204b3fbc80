package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spamkit/spamkit/mime"
	"github.com/spamkit/spamkit/session"
)

// TestBuildEngine checks that each setting reaches the session.Engine
// field it names, and that a check switched off is nil.
func TestBuildEngine(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(`authserv_id = mx.example.test
helo = no
dkim = no
arc = no
dnsbl_sites = bl.test*2
dnsbl_reject = no
dmarc_enforce = no
on_internal_error = accept
add_header_score = 4
quarantine_score = 9
reject_score = -1
score.SPF_FAIL = 3
max_message_size = 1M
connect_timeout = 2s
data_timeout = 3s
mime_reject = none
mime_strip = executable
harvest = yes
harvest_max_concurrent = -1
`))
	if err != nil {
		t.Fatal(err)
	}
	e, closeEngine, err := buildEngine(cfg, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeEngine()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"AuthServID", e.AuthServID, "mx.example.test"},
		{"NoHELO", e.NoHELO, true},
		{"RDNS on", e.RDNS != nil, true},
		{"DKIM off", e.DKIM == nil, true},
		{"ARC off", e.ARC == nil, true},
		{"DMARC on", e.DMARC != nil, true},
		{"SPF on", e.SPF != nil, true},
		{"MIME on", e.MIME != nil, true},
		{"Greylist off", e.Greylist == nil, true},
		{"Bayes off", e.Bayes == nil, true},
		{"DNSBL lists", len(e.DNSBL.Lists), 1},
		{"DNSBLScoreOnly", e.DNSBLScoreOnly, true},
		{"DMARCScoreOnly", e.DMARCScoreOnly, true},
		{"OnError", e.OnError, session.AcceptOnError},
		{"RequiredScore", e.RequiredScore, 4.0},
		{"QuarantineScore", e.QuarantineScore, 9.0},
		{"RejectScore", e.RejectScore, -1.0},
		{"Scores", e.Scores, session.Scores{session.SPFFail: 3}},
		{"MaxMessageBytes", e.MaxMessageBytes, int64(1 << 20)},
		{"ConnectTimeout", e.ConnectTimeout, 2 * time.Second},
		{"DataTimeout", e.DataTimeout, 3 * time.Second},
		{"MIMEPolicy.Reject", e.MIMEPolicy.Reject, []mime.Kind{}},
		{"MIMEPolicy.Strip", e.MIMEPolicy.Strip, []mime.Kind{mime.KindExecutable}},
		{"Harvest.MaxConcurrent", e.Harvest.MaxConcurrent, -1},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}

	// The zero configuration: the checks that need no data of their
	// own on, the others off, the session's defaults.
	e, closeEngine, err = buildEngine(&Config{AuthservID: "mx"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer closeEngine()
	if e.RDNS == nil || e.NoHELO || e.SPF == nil || e.DKIM == nil || e.DMARC == nil || e.ARC == nil || e.MIME == nil {
		t.Errorf("zero Config: a default check is off: %+v", e)
	}
	if e.DNSBL != nil || e.URIBL != nil || e.HashBL != nil || e.Greylist != nil || e.Harvest != nil || e.BATV != nil || e.Bayes != nil || e.ARCSealer != nil {
		t.Errorf("zero Config: a check that needs configuring is on: %+v", e)
	}
	if e.DNSBLScoreOnly || e.DMARCScoreOnly || e.OnError != session.TempfailOnError || e.RequiredScore != 0 || e.RejectScore != 0 {
		t.Errorf("zero Config: not the session's defaults: %+v", e)
	}
}

// TestBuildEngineValidates: a configuration the session would refuse
// message by message (here URIBL without the MIME scan whose texts it
// reads: a 451 on every message) is refused at start-up instead.
func TestBuildEngineValidates(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("uribl_sites = uribl.test\nmime = no\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, closeEngine, err := buildEngine(cfg, t.Logf)
	defer closeEngine()
	if !errors.Is(err, session.ErrConfig) {
		t.Fatalf("buildEngine(uribl without mime) = %v, %v; want session.ErrConfig", e, err)
	}
}
