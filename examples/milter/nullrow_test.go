package main

import (
	"strings"
	"testing"

	"github.com/d--j/go-milter"
)

// TestNullConfigMarksMessage: BenchmarkPostfix's null row (nullConfig)
// runs no check, yet checkDelivered knows a message passed it by its
// X-Spam-Status field: the milter with every check off must still put
// one on, and nothing a check would (Received-SPF, a DKIM or SPF
// result).
func TestNullConfigMarksMessage(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(nullConfig("127.0.0.1:0", "127.0.0.1:1")))
	if err != nil {
		t.Fatal(err)
	}
	client := serve(t, newTestServer(t, cfg))
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
		func() (*milter.Action, error) { return s.HeaderField("Subject", " hi", nil) },
		func() (*milter.Action, error) { return s.HeaderEnd() },
		func() (*milter.Action, error) { return s.BodyChunk([]byte("hello\r\n")) },
	} {
		if act, err := step(); err != nil || act.Type != milter.ActionContinue {
			t.Fatalf("step = %v, %v", act, err)
		}
	}
	mods, act, err := s.End()
	if err != nil || act.Type != milter.ActionAccept {
		t.Fatalf("End = %v, %v", act, err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, m.HeaderName)
	}
	t.Logf("fields: %q", names)
	status := false
	for _, m := range mods {
		status = status || m.HeaderName == "X-Spam-Status"
		if m.HeaderName == "Received-SPF" || strings.Contains(m.HeaderValue, "dkim=") || strings.Contains(m.HeaderValue, "spf=") {
			t.Errorf("a check ran with every check off: %s:%s", m.HeaderName, m.HeaderValue)
		}
	}
	if !status {
		t.Errorf("no X-Spam-Status from the null configuration: %q", names)
	}
}
