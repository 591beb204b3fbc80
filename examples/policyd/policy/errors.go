package policy

import (
	"errors"
	"fmt"
)

// Errors of reading a request. A *RequestError wraps one of them.
var (
	// ErrSyntax: a line that is not name=value (no "=", an empty name, a
	// name with spaces or controls, a NUL in a value), or an attribute
	// given twice.
	ErrSyntax = errors.New("policy: malformed attribute line")
	// ErrLineTooLong: a line longer than Limits.MaxLineBytes.
	ErrLineTooLong = errors.New("policy: attribute line too long")
	// ErrTooManyAttributes: more attributes than Limits.MaxAttributes.
	ErrTooManyAttributes = errors.New("policy: too many attributes")
	// ErrRequestTooLarge: a request longer than Limits.MaxRequestBytes.
	ErrRequestTooLarge = errors.New("policy: request too large")
	// ErrTruncated: the connection ended inside a request.
	ErrTruncated = errors.New("policy: connection closed inside a request")
)

// Errors of serving.
var (
	// ErrServerClosed is returned by Server.Serve after Shutdown.
	ErrServerClosed = errors.New("policy: server closed")
	// ErrUnsupportedRequest: a request without request=smtpd_access_policy
	// (SMTPD_POLICY_README); it is answered DUNNO.
	ErrUnsupportedRequest = errors.New("policy: not an smtpd_access_policy request")
	// ErrTimeout: the handler did not answer within
	// Server.RequestTimeout; the request is answered with
	// Server.TimeoutAction.
	ErrTimeout = errors.New("policy: request timed out")
	// ErrPanic: the handler panicked; the request is answered DUNNO.
	ErrPanic = errors.New("policy: handler panicked")
)

// RequestError is a malformed request: what is wrong, on which line
// (1-based, within the request), and whether the reader went on to the
// end of the request (the empty line), so that the next request can be
// read from the same connection.
type RequestError struct {
	// Line is the number of the offending line within the request.
	Line int
	// Err is one of ErrSyntax, ErrLineTooLong, ErrTooManyAttributes,
	// ErrRequestTooLarge, ErrTruncated.
	Err error
	// Synced reports whether the rest of the request was read and
	// dropped: the connection can go on. It is false when the reader
	// gave up (the request went past Limits.MaxRequestBytes, or the
	// connection ended or failed).
	Synced bool
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%v (line %d of the request)", e.Err, e.Line)
}

func (e *RequestError) Unwrap() error { return e.Err }
