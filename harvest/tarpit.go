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
	// SMTP client waits for a reply to RCPT (RFC 5321 §4.5.3.2.3), so
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
	return t.schedule().delay(strikes)
}

// schedule is a Tarpit with its defaults applied.
type schedule struct {
	after    int
	step, mx time.Duration
	steps    int // strikes past after that reach mx
}

func (t Tarpit) schedule() schedule {
	s := schedule{after: t.After, step: t.Step, mx: t.Max}
	if s.after == 0 {
		s.after = DefaultTarpitAfter
	} else if s.after < 0 {
		s.after = 0
	}
	if s.step == 0 {
		s.step = DefaultTarpitStep
	}
	if s.mx <= 0 {
		s.mx = DefaultTarpitMax
	}
	if s.step > 0 {
		s.steps = int(s.mx / s.step)
	}
	return s
}

func (s schedule) delay(strikes int) time.Duration {
	if s.step < 0 || strikes <= s.after {
		return 0
	}
	n := strikes - s.after
	if n >= s.steps {
		return s.mx
	}
	return time.Duration(n) * s.step
}
