package session

import "errors"

// Errors. They are in Row.Err and Verdict.Err (wrapped with their cause),
// except ErrStage, the error return of a stage method called out of order.
var (
	// ErrStage reports a stage method called out of SMTP order (Write
	// or EndOfData with no Mail, Write or EndOfData after EndOfData)
	// or after Close.
	ErrStage = errors.New("session: stage out of order")
	// ErrMessageTooLarge reports a message over Engine.MaxMessageBytes:
	// the content checks did not run.
	ErrMessageTooLarge = errors.New("session: message larger than MaxMessageBytes")
	// ErrHeaderTooLarge reports a header block over
	// Engine.MaxHeaderBytes: the message is refused (552 5.3.4).
	ErrHeaderTooLarge = errors.New("session: header larger than MaxHeaderBytes")
	// ErrTooManyRcpts reports a transaction over Engine.MaxRcpts
	// recipients: those past it were answered 452 4.5.3.
	ErrTooManyRcpts = errors.New("session: more recipients than MaxRcpts")
	// ErrTimeout reports a check still running when its stage's time
	// (ConnectTimeout, RcptTimeout, DataTimeout, ContentTimeout) ran
	// out.
	ErrTimeout = errors.New("session: stage timeout")
	// ErrCheck reports a check that could not run (its error return),
	// or whose store failed: an internal error (Engine.OnError).
	ErrCheck = errors.New("session: check could not run")
	// ErrConfig reports an Engine field the checks cannot use (see
	// Engine.Validate): wrapped with ErrCheck in a SPAMKIT_ERROR row,
	// an internal error (Engine.OnError).
	ErrConfig = errors.New("session: configuration error")
	// ErrPanic reports a check that panicked in a goroutine the
	// session started for it (a bug in the check, or in a Resolver or
	// store plugged into it): it is wrapped with ErrCheck, an internal
	// error, and the process goes on.
	ErrPanic = errors.New("session: check panicked")
)
