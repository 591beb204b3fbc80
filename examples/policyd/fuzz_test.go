package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/examples/policyd/policy"
)

// FuzzHandler feeds arbitrary requests (as the policy reader reads them)
// to policyd's handler with greylisting, SPF and a DNSBL against the
// in-process DNS server, and checks that every answer is one of the
// actions policyd gives, written as one action line, and that a request
// without a usable client address or recipient, or of another state
// than RCPT, is answered DUNNO.
func FuzzHandler(f *testing.F) {
	f.Add([]byte("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.30\nhelo_name=x\nsender=alice@sender.test\nrecipient=bob@example.org\ninstance=1\n\n"))
	f.Add([]byte("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.66\nsender=\nrecipient=bob@example.org\n\n"))
	f.Add([]byte("protocol_state=RCPT\nclient_address=::ffff:192.0.2.30\nsender=<x@fail.test>\nrecipient=<postmaster>\ninstance=\n\n"))
	f.Add([]byte("protocol_state=RCPT\nclient_address=2001:db8::1%eth0\nsender=\"a b\"@sender.test\nrecipient=@\n\n"))
	f.Add([]byte("protocol_state=DATA\nclient_address=192.0.2.30\nrecipient=bob@example.org\n\n"))
	f.Add([]byte("protocol_state=RCPT\nclient_address=192.0.2.77\nhelo_name=\xff\xfe\nsender=a@\xc3(.test\nrecipient=b@example.org\n\n"))
	f.Add([]byte("protocol_state=RCPT\nclient_address=192.0.2.30\nsender=a@sender.test\nrecipient=<>\n\n"))
	srv := dns(f)
	clk, log := newClock(), &logs{}
	h := newHandler(f, clk, srv, log, "-spf-reject", "-dnsbl", "bl.test*3 wl.test*-2", "-dnsbl-threshold", "3", "-dnsbl-allowlist-threshold", "-1")
	// No 451 4.3.0: the memory store does not fail, so nothing the
	// client sends may make policyd defer for a store failure.
	verbs := []string{"DUNNO", "DEFER_IF_PERMIT ", "PREPEND Received-SPF: ", "PREPEND X-Greylist: ", "550 5.7.23 ", "550 5.7.1 "}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := policy.NewReader(bytes.NewReader(in), policy.Limits{MaxRequestBytes: 4096})
		for range 4 {
			req, err := r.ReadRequest()
			if err != nil {
				return
			}
			action := h.ServePolicy(context.Background(), req)
			ok := false
			for _, v := range verbs {
				ok = ok || strings.HasPrefix(action, v)
			}
			if !ok {
				t.Errorf("answer %q is none of policyd's actions", action)
			}
			var w bytes.Buffer
			if err := policy.WriteResponse(&w, action); err != nil {
				t.Fatal(err)
			}
			if bytes.Count(w.Bytes(), []byte("\n")) != 2 {
				t.Errorf("answer %q written as %q, not one line", action, w.Bytes())
			}
			if _, err := parse(req); (err != nil || req.Get("protocol_state") != "RCPT") && action != policy.Dunno {
				t.Errorf("unusable request %q answered %q, want DUNNO", req.Attrs(), action)
			}
		}
	})
}
