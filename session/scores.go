package session

import "maps"

// Rule names one finding of one check, as a SpamAssassin test or an rspamd
// symbol does; the names are SpamAssassin's where it has the test, so that
// rules reading X-Spam-Status (Sieve, procmail) keep working.
type Rule string

// String returns the rule's name.
func (r Rule) String() string { return string(r) }

// The rules, by check. DefaultScores gives each its points and says where
// the number comes from.
const (
	// iprev: forward-confirmed reverse DNS of the client (rdns.FCrDNS).
	RDNSConfirmed Rule = "RDNS_CONFIRMED" // a PTR name resolves back to the client
	RDNSNone      Rule = "RDNS_NONE"      // no PTR record
	RDNSMismatch  Rule = "RDNS_MISMATCH"  // PTR names, none resolving back
	RDNSTempError Rule = "RDNS_TEMPERROR" // DNS failure
	RDNSDynamic   Rule = "RDNS_DYNAMIC"   // the confirmed name looks generic (rdns.Generic)

	// HELO (rdns.CheckHELO).
	HELOMatch           Rule = "HELO_MATCH"            // resolves to the client
	HELOResolves        Rule = "HELO_RESOLVES"         // resolves, elsewhere
	HELOUnresolvable    Rule = "HELO_UNRESOLVABLE"     // no address
	HELOTempError       Rule = "HELO_TEMPERROR"        // DNS failure
	HELOInvalid         Rule = "HELO_INVALID"          // not a domain name
	HELOBareIP          Rule = "HELO_BAREIP"           // an address without brackets
	HELOOurs            Rule = "HELO_OURS"             // claims to be this host
	HELOLiteralMismatch Rule = "HELO_LITERAL_MISMATCH" // [address] not the client's

	// DNSBL and DNSWL of the client (rbl).
	DNSBLListed  Rule = "RCVD_IN_DNSBL"           // listed (rejected at Connect unless DNSBLScoreOnly)
	DNSWLListed  Rule = "RCVD_IN_DNSWL"           // allowlisted
	DNSBLClean   Rule = "RCVD_IN_DNSBL_NONE"      // neither
	DNSBLUnknown Rule = "RCVD_IN_DNSBL_TEMPERROR" // a list did not answer

	// SPF of MAIL FROM.
	SPFPass      Rule = "SPF_PASS"
	SPFFail      Rule = "SPF_FAIL"
	SPFSoftFail  Rule = "SPF_SOFTFAIL"
	SPFNeutral   Rule = "SPF_NEUTRAL"
	SPFNone      Rule = "SPF_NONE"
	SPFTempError Rule = "SPF_TEMPERROR"
	SPFPermError Rule = "SPF_PERMERROR"

	// SPF of the HELO identity.
	SPFHELOPass      Rule = "SPF_HELO_PASS"
	SPFHELOFail      Rule = "SPF_HELO_FAIL"
	SPFHELOSoftFail  Rule = "SPF_HELO_SOFTFAIL"
	SPFHELONeutral   Rule = "SPF_HELO_NEUTRAL"
	SPFHELONone      Rule = "SPF_HELO_NONE"
	SPFHELOTempError Rule = "SPF_HELO_TEMPERROR"
	SPFHELOPermError Rule = "SPF_HELO_PERMERROR"

	// DKIM: the best result of the message's signatures.
	DKIMValid     Rule = "DKIM_VALID"
	DKIMInvalid   Rule = "DKIM_INVALID"
	DKIMNone      Rule = "DKIM_NONE"
	DKIMTempError Rule = "DKIM_TEMPERROR"

	// DMARC.
	DMARCPass       Rule = "DMARC_PASS"
	DMARCReject     Rule = "DMARC_REJECT"  // fail, p=reject
	DMARCQuarantine Rule = "DMARC_QUAR"    // fail, p=quarantine
	DMARCNonePolicy Rule = "DMARC_NONE"    // fail, p=none
	DMARCMissing    Rule = "DMARC_MISSING" // no record
	DMARCTempError  Rule = "DMARC_TEMPERROR"
	DMARCPermError  Rule = "DMARC_PERMERROR"

	// ARC.
	ARCValid     Rule = "ARC_VALID"
	ARCInvalid   Rule = "ARC_INVALID"
	ARCNone      Rule = "ARC_NONE"
	ARCTempError Rule = "ARC_TEMPERROR"

	// Content.
	MIMEReject    Rule = "MIME_REJECT" // the mime policy rejects (the message is refused whatever the score)
	MIMEStrip     Rule = "MIME_STRIP"  // parts stripped
	MIMEClean     Rule = "MIME_CLEAN"  // nothing found
	URIBLListed   Rule = "URIBL_BLACK" // a link's domain is listed
	URIBLClean    Rule = "URIBL_NONE"
	URIBLUnknown  Rule = "URIBL_TEMPERROR"
	HashBLListed  Rule = "HASHBL_LISTED" // the sender address or an attachment is listed
	HashBLClean   Rule = "HASHBL_NONE"
	HashBLUnknown Rule = "HASHBL_TEMPERROR"
	Bayes00       Rule = "BAYES_00"      // spam probability 0 to 1 %
	Bayes05       Rule = "BAYES_05"      // 1 to 5 %
	Bayes20       Rule = "BAYES_20"      // 5 to 20 %
	Bayes40       Rule = "BAYES_40"      // 20 to 40 %
	Bayes50       Rule = "BAYES_50"      // 40 to 60 %
	Bayes60       Rule = "BAYES_60"      // 60 to 80 %
	Bayes80       Rule = "BAYES_80"      // 80 to 95 %
	Bayes95       Rule = "BAYES_95"      // 95 to 99 %
	Bayes99       Rule = "BAYES_99"      // 99 to 100 %
	Bayes999      Rule = "BAYES_999"     // 99.9 to 100 %, added to BAYES_99
	BayesUnknown  Rule = "BAYES_UNKNOWN" // the classifier could not judge (a store failure; below its training minimum it is SPAMKIT_SKIPPED)

	// Envelope.
	GreylistPass   Rule = "GREYLIST_PASS"   // the recipients (or the body key) passed greylisting
	GreylistBody   Rule = "GREYLIST_BODY"   // greylisted at end of DATA by the body key
	BATVValid      Rule = "BATV_VALID"      // a bounce to a valid BATV tag
	HarvestRefused Rule = "HARVEST_REFUSED" // harvest refused the client: a harvester, a block, a rate limit

	// The session itself.
	TooBig        Rule = "SPAMKIT_TOOBIG"         // over MaxMessageBytes: content checks skipped
	HeaderTooBig  Rule = "SPAMKIT_HDR_TOOBIG"     // header over MaxHeaderBytes: the message is refused (552 5.3.4)
	TooManyRcpts  Rule = "SPAMKIT_TOO_MANY_RCPTS" // recipients past MaxRcpts answered 452 4.5.3
	Skipped       Rule = "SPAMKIT_SKIPPED"        // a check skipped, no fault: no client address (Connect not called, or with the zero netip.Addr) for the client's checks; bayes below its training minimum (bayes.ErrUntrained, "not enough training")
	InternalError Rule = "SPAMKIT_ERROR"          // a check did not finish for a fault on this side
	ARCNotSealed  Rule = "ARC_NOT_SEALED"         // ARCSealer set, but no ARC set added (the row says why)
)

// Scores maps rules to points; see DefaultScores.
type Scores map[Rule]float64

// DefaultScores returns a new copy of the default score table, which
// the package documentation lists with the source of each number.
func DefaultScores() Scores { return maps.Clone(defaultScores) }

// defaultScores: see the table in doc.go. Rules not listed score 0.
var defaultScores = Scores{
	// rspamd conf/scores.d/policies_group.conf
	SPFPass: -0.2, SPFFail: 1.0,
	DKIMValid: -0.1, DKIMInvalid: 1.0,
	DMARCPass: -0.5, DMARCReject: 2.0, DMARCQuarantine: 1.5, DMARCNonePolicy: 0.1,
	ARCValid: -1.0, ARCInvalid: 1.0,
	// SpamAssassin rules/50_scores.cf, score set 3 (network and Bayes)
	SPFHELOPass: -0.001, SPFHELOFail: 0.001, SPFHELOSoftFail: 0.732, SPFHELONeutral: 0.112, SPFHELONone: 0.001,
	RDNSNone: 0.793, RDNSMismatch: 0.793, RDNSDynamic: 0.982,
	DNSBLListed: 3.335, DNSWLListed: -2.3,
	URIBLListed: 1.7, HashBLListed: 2.5,
	Bayes00: -1.9, Bayes05: -0.5, Bayes20: -0.001, Bayes40: -0.001, Bayes50: 0.8,
	Bayes60: 1.5, Bayes80: 2.0, Bayes95: 3.0, Bayes99: 3.5, Bayes999: 0.2,
	// rspamd conf/scores.d/hfilter_group.conf
	HELOBareIP: 3.0, HELOInvalid: 2.0, HELOUnresolvable: 0.3, HELOResolves: 1.0,
	HELOLiteralMismatch: 1.0, HELOOurs: 3.0,
}

// score returns the points of rule r under e's table.
func (e *Engine) score(r Rule) float64 {
	if v, ok := e.Scores[r]; ok && finite(v) {
		return v // a non-finite one is a configuration error (Validate), counted as unset
	}
	return defaultScores[r]
}
