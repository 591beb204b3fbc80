package spambot

import "errors"

// Sentinel errors. Record and Check return ErrHost and ErrEvent when an
// event cannot be recorded; an Outcome's Err wraps ErrTooManyHosts when
// a limit was reached.
var (
	// ErrHost reports an invalid host address.
	ErrHost = errors.New("spambot: invalid host address")
	// ErrEvent reports an event that cannot be counted: an unknown Kind,
	// or a Recipient without a domain.
	ErrEvent = errors.New("spambot: invalid event")
	// ErrTooManyHosts reports that the Detector held MaxHosts hosts and
	// forgot the least recently active one to make room: that host's
	// counts start again from zero.
	ErrTooManyHosts = errors.New("spambot: host table full")
)
