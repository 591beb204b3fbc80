package harvest

import "time"

// Tarpit is a progressive delay schedule for suspicious clients, computed
// here and applied by the caller (sleep before writing the reply, or
// wrap the connection in a StutterConn). The zero Tarpit is Postfix's
// schedule: no delay for the first 10 strikes (smtpd_soft_error_limit),
// then one more second per strike (smtpd_error_sleep_time 1s, the
// growth of Postfix 2.0), never more than 30 s.
type Tarpit struct {
	// After is the number of strikes (unknown recipients and errors)
	// delayed not at all. If zero, 10; negative means from the first.
	After int
	// Step is the delay added for each strike past After. If zero, one
	// second; negative turns tarpitting off.
	Step time.Duration
	// Max caps the delay. If zero, 30 s: well under the 5 minutes an
	// SMTP client waits for a reply to RCPT (RFC 5321 §4.5.3.2.5), so
	// that a legitimate client that made mistakes still gets through.
	Max time.Duration
}

// Default tarpit schedule.
const (
	DefaultTarpitAfter = 10
	DefaultTarpitStep  = time.Second
	DefaultTarpitMax   = 30 * time.Second
)

// Delay returns the pause before answering a client with the given
// number of strikes: zero up to After, then Step for each strike past
// After, at most Max.
func (t Tarpit) Delay(strikes int) time.Duration {
	after, step, mx := t.After, t.Step, t.Max
	if after == 0 {
		after = DefaultTarpitAfter
	} else if after < 0 {
		after = 0
	}
	if step == 0 {
		step = DefaultTarpitStep
	}
	if mx <= 0 {
		mx = DefaultTarpitMax
	}
	if step < 0 || strikes <= after {
		return 0
	}
	n := time.Duration(strikes - after)
	if n > mx/step {
		return mx
	}
	return min(n*step, mx)
}
