package main

import (
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/d--j/go-milter"
)

// TestStageTimeouts: with a nameserver that never answers, the
// connect_timeout and data_timeout of the configuration end the stages
// (the session's ErrTimeout in the verdict's rows, not the resolver's
// own, longer, timeout): Connect goes on without the DNSBL's answer and
// the end of the message reports the DNS checks still running as
// timeouts, the message itself judged.
func TestStageTimeouts(t *testing.T) {
	// A black hole: reads the queries, answers none.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	addr, logs := startMilter(t, `
authserv_id = mx.example.test
resolver = `+pc.LocalAddr().String()+`
dnsbl_sites = bl.test
connect_timeout = 200ms
data_timeout = 200ms
`)
	client := milter.NewClient("tcp", addr, milter.WithAction(milter.AllClientSupportedActionMasks))
	s, err := client.Session(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, step := range []func() (*milter.Action, error){
		func() (*milter.Action, error) { return s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1") },
		func() (*milter.Action, error) { return s.Helo("client.test") },
		func() (*milter.Action, error) { return s.Mail("<a@example.com>", "") },
		func() (*milter.Action, error) { return s.Rcpt("<b@example.test>", "") },
		func() (*milter.Action, error) { return s.DataStart() },
		func() (*milter.Action, error) { return s.HeaderField("From", " a@example.com", nil) },
		func() (*milter.Action, error) { return s.HeaderEnd() },
		func() (*milter.Action, error) { return s.BodyChunk([]byte("hello\r\n")) },
	} {
		if act, err := step(); err != nil || act.StopProcessing() {
			t.Fatalf("step = %v, %v", act, err)
		}
	}
	mods, act, err := s.End()
	if err != nil || act.Type != milter.ActionAccept {
		t.Fatalf("End = %v, %v; want accept", act, err)
	}
	var ar string
	for _, m := range mods {
		if strings.EqualFold(m.HeaderName, "Authentication-Results") {
			ar = m.HeaderValue
		}
	}
	if !strings.Contains(ar, "spf=temperror") {
		t.Errorf("Authentication-Results %q, want spf=temperror", ar)
	}
	line := regexp.MustCompile(`(?m)^.*queue=.*$`).FindString(logs.String())
	for _, want := range []string{"SPF_TEMPERROR", "stage timeout"} {
		if !strings.Contains(line, want) {
			t.Errorf("the verdict's log line lacks %q: %s", want, line)
		}
	}
}
