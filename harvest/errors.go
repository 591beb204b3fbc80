package harvest

import "errors"

// Sentinel errors. An Outcome's Err wraps one of them when the result is
// not a plain allow, so classify with errors.Is. They are the causes of
// verdicts, never verdicts returned as errors: the error return of a
// check is non-nil only for ErrInvalidIP.
var (
	// ErrInvalidIP reports a client address that is not valid; the check
	// cannot run and returns it as its error.
	ErrInvalidIP = errors.New("harvest: invalid client address")

	// ErrHarvest reports the directory-harvest verdict reached by this
	// event: Config.DHAUnknown unknown recipients or more, and at least
	// Config.DHARatio of the recipients unknown, within Config.Window.
	ErrHarvest = errors.New("harvest: too many unknown recipients")
	// ErrBlocked reports a client blocked by an earlier harvest verdict
	// (here or, with a shared Store, on another node) until
	// Outcome.Until.
	ErrBlocked = errors.New("harvest: client blocked")
	// ErrTooManyErrors reports Config.MaxErrors protocol errors or more
	// within Config.Window (Postfix smtpd_hard_error_limit).
	ErrTooManyErrors = errors.New("harvest: too many errors")

	// ErrConcurrency reports more concurrent connections than
	// Config.MaxConcurrent (Postfix smtpd_client_connection_count_limit).
	ErrConcurrency = errors.New("harvest: too many concurrent connections")
	// ErrConnectionRate reports a connection over Config.ConnectionRate.
	ErrConnectionRate = errors.New("harvest: connection rate limit exceeded")
	// ErrMessageRate reports a message over Config.MessageRate.
	ErrMessageRate = errors.New("harvest: message rate limit exceeded")
	// ErrRecipientRate reports a recipient over Config.RecipientRate.
	ErrRecipientRate = errors.New("harvest: recipient rate limit exceeded")
	// ErrTooManyRecipients reports a recipient past
	// Config.MaxRecipientsPerMessage in one transaction (Postfix
	// smtpd_recipient_limit).
	ErrTooManyRecipients = errors.New("harvest: too many recipients in one message")

	// ErrStore reports a Store that failed; the cause is wrapped beside
	// it. The result is then a delay, or with Config.FailOpen the
	// verdict of this node's own counts.
	ErrStore = errors.New("harvest: store failed")

	// ErrConfig reports a configuration text ParseConfig or ParseRate
	// cannot read; the message names the line.
	ErrConfig = errors.New("harvest: bad configuration")
	// ErrConfigTooLarge reports a configuration text longer than
	// MaxConfigBytes.
	ErrConfigTooLarge = errors.New("harvest: configuration too large")

	// ErrNilConn reports a greeting pause asked of a nil connection;
	// GreetPause.Check returns it as its error.
	ErrNilConn = errors.New("harvest: nil connection")

	// ErrTooManyPending reports a greeting pause skipped because
	// GreetListener.MaxPending connections were already being paused.
	ErrTooManyPending = errors.New("harvest: too many connections in the greeting pause")
)
