// Package authres builds and parses Authentication-Results header fields
// (RFC 8601), and ARC-Authentication-Results payloads (RFC 8617 §4.1.1).
//
// A Header is an authserv-id and the results of the methods run (spf,
// dkim, dmarc, arc, iprev, ...). Each spamkit check renders its own
// Result (dkim.Verification.AuthResult, dmarc.Evaluation.AuthResult); a
// Header's String is the field value, Field the folded header field:
//
//	h := authres.Header{ServID: "mx.example.org", Results: []authres.Result{
//		{Method: "spf", Value: "pass", Props: []authres.Prop{{"smtp", "mailfrom", "example.com"}}},
//		v.AuthResult(), // a dkim.Verification
//	}}
//	msg = h.Field() + msg
//
// Parse reads a field value back, comments and quoting included, so that
// the results of a trusted upstream can be honoured: Trusted keeps the
// fields whose authserv-id is trusted (RFC 8601 §5: the others must be
// ignored, and an MTA should remove them on entry).
//
// RFC 8601 map: §2.2 the field's syntax (authserv-id, version,
// resinfo, reason=, ptype.property=pvalue) is Parse and Header.String;
// §2.3 properties are Prop; §2.7 the results of dkim, spf, dmarc, arc
// are rendered by those packages; §5 (honour only trusted authserv-ids)
// is Trusted and Header.Result.
//
// Divergences: unknown methods and properties are kept as they are (no
// registry check); a field that fails to parse is reported, never
// half-used.
//
// go-msgauth's authres was not used: it splits on ';' without regard to
// quoted strings and comments, and its result types cannot carry
// arbitrary properties.
package authres
