package greylist

import "errors"

// Sentinel errors, grouped by phase. Errors returned by this package, and
// the Err fields of its outcomes, wrap one of them (and the cause, where
// there is one), so classify with errors.Is.
var (
	// Configuration.

	// ErrConfig reports a Checker field out of range (a negative Delay, a
	// Delay not shorter than RetryWindow, an IPv4Prefix over 32...). The
	// check cannot run.
	ErrConfig = errors.New("greylist: invalid configuration")

	// Input.

	// ErrInvalidIP reports a client address that is not valid. The check
	// cannot run.
	ErrInvalidIP = errors.New("greylist: invalid IP address")
	// ErrNoRecipient reports an empty recipient (Check) or no recipient
	// at all (CheckBody). The check cannot run.
	ErrNoRecipient = errors.New("greylist: no recipient")
	// ErrAddressTooLong reports a sender or recipient longer than
	// Checker.MaxAddressLen octets; the key was built from its first
	// MaxAddressLen octets. It is a finding in Outcome.Err, never the
	// error return.
	ErrAddressTooLong = errors.New("greylist: address too long")
	// ErrInvalidDomain reports an SPF-validated domain that is not a
	// plausible domain name; the client network was used as the key
	// instead. It is a finding in Outcome.Err, never the error return.
	ErrInvalidDomain = errors.New("greylist: invalid SPF domain")

	// Store.

	// ErrStore reports a store that could not record a check (Redis
	// down, a disk error, a closed store, the Checker's Timeout). The
	// check could not run: Check returns it, unless Checker.FailOpen is
	// set, which turns it into a pass with the error in Outcome.Err.
	ErrStore = errors.New("greylist: store failed")
	// ErrStoreFull reports a MemoryStore shard at its share of
	// MaxEntries: an older entry was evicted to make room. It is a
	// finding in Outcome.Err, never the error return.
	ErrStoreFull = errors.New("greylist: store full, entry evicted")
	// ErrClosed reports a store used after Close.
	ErrClosed = errors.New("greylist: store closed")

	// Lists.

	// ErrSyntax reports a list entry that cannot be read (a /regexp/ that
	// RE2 cannot compile, a network with a bad prefix length); ParseClientList
	// and ParseAddressList wrap it in a *LineError.
	ErrSyntax = errors.New("greylist: syntax error in list entry")
	// ErrLineTooLong reports a list file line over MaxListLine octets;
	// it ends the read.
	ErrLineTooLong = errors.New("greylist: list line too long")
)
