package main

import (
	"strings"
	"testing"

	"github.com/d--j/go-milter"
)

// panicAt is a backend whose callback for one stage panics (a bug in a
// check), recovered as the backend's own callbacks recover.
type panicAt struct {
	*backend
	stage string
}

func (p *panicAt) Connect(host, family string, port uint16, addr string, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "connect" {
		return p.backend.Connect(host, family, port, addr, m)
	}
	defer p.recover("connect", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) MailFrom(from, esmtpArgs string, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "mail" {
		return p.backend.MailFrom(from, esmtpArgs, m)
	}
	p.stage = ""
	defer p.recover("mail", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) RcptTo(rcpt, esmtpArgs string, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "rcpt" {
		return p.backend.RcptTo(rcpt, esmtpArgs, m)
	}
	p.stage = ""
	defer p.recover("rcpt", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) Helo(name string, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "helo" {
		return p.backend.Helo(name, m)
	}
	defer p.recover("helo", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) Header(name, value string, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "header" {
		return p.backend.Header(name, value, m)
	}
	p.stage = "" // once: the next message goes through
	defer p.recover("header", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) Headers(m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "eoh" {
		return p.backend.Headers(m)
	}
	p.stage = ""
	defer p.recover("eoh", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) BodyChunk(chunk []byte, m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "body" {
		return p.backend.BodyChunk(chunk, m)
	}
	p.stage = ""
	defer p.recover("body", m, &resp, &err)
	panic("a bug")
}

func (p *panicAt) EndOfMessage(m milter.Modifier) (resp *milter.Response, err error) {
	if p.stage != "eom" {
		return p.backend.EndOfMessage(m)
	}
	p.stage = ""
	defer p.recover("eom", m, &resp, &err)
	panic("a bug")
}

// TestPanicInCallback: the milter negotiates no replies to HELO,
// header fields, the end of the header and body chunks (the MTA does
// not wait for them), so a panic there cannot be answered there. The
// internal error must not vanish: under on_internal_error = tempfail the
// next stage the MTA waits for answers 451 4.3.0 (MAIL after a HELO
// fault, the end of the message otherwise), under accept the message is
// delivered with X-Spamkit-Error, as is a message that went on past a
// panic at connect, MAIL or RCPT. The next message of the connection is
// judged afresh (no fault leaks into it), unless the fault was the
// connection's (connect, HELO).
func TestPanicInCallback(t *testing.T) {
	for _, tc := range []struct {
		stage  string
		accept bool
	}{
		{"helo", false}, {"header", false}, {"eoh", false}, {"body", false}, {"eom", false},
		{"header", true}, {"body", true}, {"eom", true},
		// Under accept, a panic where the MTA reads the reply still
		// lets the message go on unchecked: it must say so.
		{"connect", true}, {"mail", true}, {"rcpt", true},
	} {
		name := tc.stage + "/tempfail"
		if tc.accept {
			name = tc.stage + "/accept"
		}
		t.Run(name, func(t *testing.T) {
			cfg := localConfig()
			if tc.accept {
				cfg.OnInternalError = "accept"
			}
			srv := newTestServer(t, cfg)
			srv.wrap = func(b *backend) milter.Milter { return &panicAt{backend: b, stage: tc.stage} }
			client := serve(t, srv)
			s, err := client.Session(nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !s.ProtocolOption(milter.OptNoHeaderReply) || !s.ProtocolOption(milter.OptNoBodyReply) {
				t.Fatal("the milter did not negotiate SMFIP_NR_HDR and SMFIP_NR_BODY: this test assumes it")
			}
			if _, err := s.Conn("client.test", milter.FamilyInet, 25, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Helo("client.test"); err != nil {
				t.Fatal(err)
			}
			for msg := 1; msg <= 2; msg++ {
				act, err := s.Mail("<a@example.com>", "")
				if err != nil {
					t.Fatal(err)
				}
				if tc.stage == "helo" {
					// A connection-wide fault: every message of it.
					if act.Type != milter.ActionRejectWithCode || act.SMTPCode != 451 || !strings.Contains(act.SMTPReply, "4.3.0") {
						t.Fatalf("message %d: MAIL after a panic at HELO = %+v, want 451 4.3.0", msg, act)
					}
					if err := s.Abort(nil); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if act.StopProcessing() {
					t.Fatalf("message %d: MAIL = %+v", msg, act)
				}
				if _, err := s.Rcpt("<b@example.test>", ""); err != nil {
					t.Fatal(err)
				}
				if _, err := s.DataStart(); err != nil {
					t.Fatal(err)
				}
				if _, err := s.HeaderField("Subject", " hi", nil); err != nil {
					t.Fatal(err)
				}
				if _, err := s.HeaderEnd(); err != nil {
					t.Fatal(err)
				}
				if _, err := s.BodyChunk([]byte("hello\r\n")); err != nil {
					t.Fatal(err)
				}
				mods, act, err := s.End()
				if err != nil {
					t.Fatal(err)
				}
				flagged := false
				for _, m := range mods {
					flagged = flagged || strings.EqualFold(m.HeaderName, "X-Spamkit-Error")
				}
				switch {
				case msg == 2 && tc.stage == "connect":
					if act.Type != milter.ActionAccept || !flagged {
						t.Errorf("message 2 after a panic at connect under accept: end = %+v, X-Spamkit-Error %v; want accept with it", act, flagged)
					}
				case msg == 2:
					if act.Type != milter.ActionAccept || flagged {
						t.Errorf("message 2 (no fault) = %+v, X-Spamkit-Error %v; want accept without it (a fault leaked from message 1)", act, flagged)
					}
				case tc.accept:
					if act.Type != milter.ActionAccept || !flagged {
						t.Errorf("panic at %s under accept: end = %+v, X-Spamkit-Error %v; want accept with X-Spamkit-Error", tc.stage, act, flagged)
					}
				default:
					if act.Type != milter.ActionRejectWithCode || act.SMTPCode != 451 || !strings.Contains(act.SMTPReply, "4.3.0") {
						t.Errorf("panic at %s under tempfail: end = %+v; want 451 4.3.0", tc.stage, act)
					}
				}
			}
		})
	}
}
