// Package msgauth converts between the module's Authentication-Results
// type, package [github.com/spamkit/spamkit/authres], and the result
// types of github.com/emersion/go-msgauth/authres, for software built on
// go-msgauth (maddy, go-smtp based servers). It is a package of its own
// so that the checks, which all import authres, do not bring go-msgauth
// into their users' builds; only a program that imports this package
// does.
//
// To turns a result into go-msgauth's, From takes one back:
//
//	theirs := msgauth.To(spfOutcome.AuthResult())           // *authres.SPFResult of go-msgauth
//	ours, err := msgauth.From(&gomsgauth.IPRevResult{...})  // authres.Result
//
// # Divergences from go-msgauth
//
// go-msgauth has one struct per method with a fixed set of properties,
// so To keeps only the properties its struct has and drops the others
// (dkim's header.s, header.a and header.b, dmarc's policy.dmarc). Its
// Format (v0.7.0) does not escape backslashes inside a quoted-string and
// writes an ARCResult without method name ("=pass"), so To removes
// backslashes from values and returns arc as a GenericResult. Its Parse
// splits at every ';' and space, inside quoted strings and comments too,
// and keeps quotes in values: read fields with authres.Parse, and use
// From only for results go-msgauth hands over.
//
// To and From are pure functions, safe for concurrent use.
package msgauth
