// Package authres is the one Authentication-Results type of the module
// (RFC 8601): every check renders its result into an authres.Result, so
// that an MTA builds one header field from all of them without glue, and
// reads the fields of a trusted upstream back. It also builds the payload
// of ARC-Authentication-Results (RFC 8617 §4.1.1).
//
// A Header is an authserv-id and the results of the methods run; each
// spamkit check has an AuthResult method returning its Result:
//
//	method  property                                 from
//	iprev   policy.iprev                             rdns (FCrDNS, RFC 8601 §3)
//	spf     smtp.mailfrom, smtp.helo                 spf (RFC 8601 §2.7.2)
//	dkim    header.d, .i, .s, .a, .b (RFC 6008)      dkim, one per signature, dkim=none without one
//	dmarc   header.from, policy.dmarc                dkim/dmarc (RFC 7489 §11.2)
//	arc     header.oldest-pass, smtp.remote-ip       dkim/arc (RFC 8617 §10.2)
//
// A Header's String is the field value, Field the whole folded field:
//
//	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{
//		fcrdns.AuthResult(), spfOutcome.AuthResult(),
//		{Method: "dkim", Value: "pass", Props: []authres.Prop{{Type: "header", Property: "d", Value: "example.com"}}},
//	}}
//	msg = h.Field() + msg
//
// # Rendering
//
// Header text is for strangers, and some of it comes from the message
// (MAIL FROM, HELO, header.i): whatever a Header holds, String and Field
// produce exactly one field that parses back to the results given. Names
// that are no RFC 8601 keyword are mended, control characters (CR and LF
// included) become spaces, values that are neither a token nor an
// address are quoted-strings with '"' and '\' escaped, reason= is cut at
// MaxReasonBytes and values at MaxPropBytes, and Field folds so that no
// line exceeds 998 octets (RFC 5322 §2.1.1). Validate reports what would
// be changed, for callers that prefer an error.
//
// # Parsing
//
// Parse reads a field value back, comments, folding and quoting
// included, so that the results of a trusted upstream can be honoured:
// Trusted keeps the fields whose authserv-id is trusted (RFC 8601 §5: the
// others must be ignored, and an MTA should remove them on entry).
//
// RFC 8601 map: §2.2 the field's syntax (authserv-id, version, resinfo,
// reason=, ptype.property=pvalue) is Parse and Header.String; §2.3
// properties are Prop; §2.7 and §3 the results of dkim, spf, iprev, and
// of dmarc and arc (RFC 7489, RFC 8617), are rendered by those packages;
// §5 (honour only trusted authserv-ids) is Trusted and Header.Result.
//
// # go-msgauth
//
// Package [github.com/spamkit/spamkit/authres/msgauth] converts to and
// from the result types of github.com/emersion/go-msgauth/authres, for
// software built on it (maddy, go-smtp based servers): msgauth.To and
// msgauth.From. It is a package of its own so that authres, and every
// check that renders into it, does not bring go-msgauth into a build.
// go-msgauth's Parse splits at every ';' and space, inside quoted strings
// and comments too, and keeps quotes in values: use Parse here to read
// fields.
//
// # Divergences
//
//   - Unknown methods and properties are kept as they are (no IANA
//     registry check); a field that fails to parse is reported, never
//     half-used.
//   - Keywords accept '_' (seen in the wild) besides RFC 5321 Ldh-str.
//   - Values in UTF-8 (RFC 6532) are written as quoted-strings, never
//     bare, and invalid UTF-8 is replaced.
//
// Header, Result and Prop are plain values; they may be rendered from
// several goroutines as long as none modifies them.
package authres
