// Package policy implements the Postfix SMTP access policy delegation
// protocol (Postfix's SMTPD_POLICY_README): a server that Postfix's
// smtpd asks, through check_policy_service in one of its restriction
// lists, what to do with a request:
//
//	smtpd_recipient_restrictions =
//	    reject_unauth_destination,
//	    check_policy_service inet:127.0.0.1:10023
//
// # Protocol
//
// A request is a list of attributes, one "name=value" line each, ended
// by an empty line; the server answers "action=" with an access(5)
// action (DUNNO, DEFER_IF_PERMIT text, PREPEND header, 550 5.7.1 text...)
// and an empty line. Postfix keeps the connection open for the next
// requests (smtpd_policy_service_max_idle, smtpd_policy_service_max_ttl)
// and sends one request at a time. Every request of smtpd has
// request=smtpd_access_policy; the others are answered DUNNO. Names
// and values are taken as they come (Postfix sends the client's
// SMTPUTF8 text as UTF-8): a Request keeps them, in order, as strings.
//
// Reader reads requests; ReadRequest returns a Request or, for a request
// that is not name=value lines within Limits, a *RequestError saying
// what is wrong (ErrSyntax, ErrLineTooLong, ErrTooManyAttributes,
// ErrRequestTooLarge, ErrTruncated) and whether the reader found the end
// of the bad request (Synced), so that the connection can go on.
// WriteResponse writes an answer; the action constructors (DeferIfPermit,
// Reject, Reply, Prepend) and WriteResponse itself turn line breaks
// and other control characters into spaces, so no text can end the
// answer early or add an attribute to it.
//
// Server runs the protocol for a Handler: one goroutine per connection,
// on which the handler is called, requests answered in order, a timeout
// per request (the handler's ctx; when it passes, the client is answered
// TimeoutAction, DUNNO by default, at once, and what the handler returns
// later is dropped), panics recovered (answered the same way), idle
// connections closed, a bound on open connections, and a graceful
// Shutdown that lets the requests being served get their answers. A
// malformed request is answered DUNNO and logged through Server.Logf; it
// never stops the server.
//
// # Limits
//
// Limits.MaxLineBytes (8192), Limits.MaxAttributes (128) and
// Limits.MaxRequestBytes (64 KiB, also the most the reader skips looking
// for the end of a bad request) bound a request; Server.RequestTimeout
// (10 s), Server.IdleTimeout (330 s) and Server.MaxConns (1024) bound
// the server's work.
//
// # Divergences
//
//   - Lines may end in CRLF as well as LF (for people testing by hand with
//     a terminal client); Postfix sends LF. One CR before the LF is taken
//     as part of the line end, so a value that itself ends in CR reads
//     back whole only from a line ending in CRLF ("a=x\r\r\n" is "x\r",
//     "a=x\r\n" is "x"). Postfix can send one: smtpd passes on a quoted
//     local part as it came, a CR in it included, so MAIL
//     FROM:<"user\r"> is sender=user\r, read as "user" (a CR inside a
//     value, as in "a\rb"@example.com, is kept).
//   - An attribute sent twice makes the request malformed (ErrSyntax):
//     Postfix never does it, and a second client_address= is more likely
//     an attack on a careless parser than a correction.
//   - An empty line with no attribute before it is a request with no
//     attributes, answered DUNNO, so that client and server stay in step.
package policy
