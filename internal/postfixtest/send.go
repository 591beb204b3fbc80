package postfixtest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/spamkit/spamkit/internal/testenv"
)

// Mail is one message to send with swaks.
type Mail struct {
	// From is the MAIL FROM address; "" sends the null reverse-path <>.
	From string
	// To is the RCPT TO address.
	To string
	// HELO is the EHLO name. If empty, "client.test".
	HELO string
	// Headers are extra header fields ("Subject: hello").
	Headers []string
	// Body is the message body. If empty, swaks's default body.
	Body string
	// Data, if set, is the whole message (header, empty line, body),
	// sent as it is instead of Headers and Body: for signed messages,
	// whose bytes must not change. Lines may end in LF or CRLF (swaks
	// sends CRLF and dot-stuffs).
	Data []byte
	// LocalAddr is the client's source address (e.g. "127.0.0.2": every
	// address of 127.0.0.0/8 is the loopback interface's on Linux), so
	// that one instance sees several clients. If empty, the system's
	// choice (127.0.0.1).
	LocalAddr string
}

// Result is what the server answered.
type Result struct {
	// Code is the server's last reply code: 250 after an accepted
	// message, the rejecting code (450, 550...) when a command failed.
	Code int
	// Reply is the text of that last reply (code included).
	Reply string
	// Transcript is swaks's whole output.
	Transcript string
}

// swaks's reply lines: "<-  250 ..." for success, "<** 450 ..." for
// failures (any number of spaces after the arrow).
var replyLine = regexp.MustCompile(`(?m)^<(?:-|\*\*) +(\d{3})[ -](.*)$`)

// Send sends m to the instance with swaks (a real SMTP client) and
// returns the last reply before QUIT. It skips tb when swaks is missing
// (fails under SPAMKIT_INTEGRATION=1), and fails tb when swaks cannot
// talk to the server at all.
func (p *Postfix) Send(tb testing.TB, m Mail) Result {
	tb.Helper()
	bin := testenv.Program(tb, "swaks")
	helo := m.HELO
	if helo == "" {
		helo = "client.test"
	}
	from := m.From
	if from == "" {
		from = "<>"
	}
	args := []string{"--server", p.Addr, "--helo", helo, "--from", from, "--to", m.To, "--timeout", "30s"}
	if m.LocalAddr != "" {
		args = append(args, "--local-interface", m.LocalAddr)
	}
	if m.Data != nil {
		if len(m.Headers) > 0 || m.Body != "" {
			tb.Fatal("postfixtest: Mail.Data excludes Headers and Body")
		}
		f, err := os.CreateTemp(tb.TempDir(), "data")
		if err != nil {
			tb.Fatal(err)
		}
		// swaks ends the data with CRLF "." CRLF, which adds an empty
		// line to data that already ends with a line end, unless the
		// data carries the final "." line itself.
		data := m.Data
		if bytes.HasSuffix(data, []byte("\n")) {
			data = append(bytes.Clone(data), ".\r\n"...)
		}
		if _, err := f.Write(data); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
		args = append(args, "--data", f.Name())
	}
	for _, h := range m.Headers {
		args = append(args, "--header", h)
	}
	if m.Body != "" {
		args = append(args, "--body", m.Body)
	}
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("postfixtest: swaks: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		tb.Fatalf("postfixtest: swaks did not finish within 60 s:\n%s", out.String())
	}
	return parseTranscript(tb, out.String())
}

// parseTranscript finds the last reply before QUIT's 221.
func parseTranscript(tb testing.TB, t string) Result {
	tb.Helper()
	res := Result{Transcript: t}
	for _, m := range replyLine.FindAllStringSubmatch(t, -1) {
		code, _ := strconv.Atoi(m[1])
		if code == 221 {
			break
		}
		res.Code, res.Reply = code, m[1]+" "+m[2]
	}
	if res.Code == 0 {
		tb.Fatalf("postfixtest: no SMTP reply in swaks's output:\n%s", t)
	}
	return res
}
