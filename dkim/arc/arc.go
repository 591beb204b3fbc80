package arc

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spamkit/spamkit/authres"
	"github.com/spamkit/spamkit/dkim"
)

// MaxSets is the most ARC sets a message may carry (RFC 8617 §4.2.1).
const MaxSets = 50

// Errors. An Outcome's Err wraps one of them and, for a signature or
// seal, the dkim error behind it.
var (
	// ErrStructure reports a malformed chain: a missing or duplicate
	// header of a set, a gap in the instances, a wrong cv= (§5.2 step 3).
	ErrStructure = errors.New("arc: invalid chain structure")
	// ErrTooManySets reports a chain longer than MaxSets (RFC 8617
	// §4.2.1) or than Verifier.MaxSets: an ARC field with a higher
	// instance. The Sealer returns it when the chain is full.
	ErrTooManySets = errors.New("arc: too many ARC sets")
	// ErrChainFailed reports a chain whose newest seal has cv=fail.
	ErrChainFailed = errors.New("arc: chain already failed (cv=fail)")
	// ErrMessageSignature reports an ARC-Message-Signature that does not
	// verify.
	ErrMessageSignature = errors.New("arc: ARC-Message-Signature did not verify")
	// ErrSeal reports an ARC-Seal that does not verify.
	ErrSeal = errors.New("arc: ARC-Seal did not verify")
	// ErrSealerConfig reports an unusable Sealer.
	ErrSealerConfig = errors.New("arc: invalid sealer configuration")
)

// Result is a chain validation status (RFC 8617 §4.4, the cv= tokens).
type Result string

// The results.
const (
	None Result = "none" // no ARC sets
	Pass Result = "pass" // every seal and the newest message signature verified
	Fail Result = "fail" // something did not
)

// String returns the token.
func (r Result) String() string { return string(r) }

// SetResult is what verification found for one ARC set.
type SetResult struct {
	Instance int
	Domain   string // the seal's d=
	Selector string // the seal's s=
	CV       Result // the seal's cv=
	// AMSErr is the failure of the set's ARC-Message-Signature; nil if
	// it verified or was not checked (only the newest must be, older
	// ones are checked down to the first failure, for OldestPass).
	AMSErr error
	// SealErr is nil if the set's ARC-Seal verified.
	SealErr error
	// Results is the set's ARC-Authentication-Results payload, parsed
	// (zero if it did not parse).
	Results authres.Header
}

// Outcome is the outcome of verifying a message's chain.
type Outcome struct {
	// Result is the chain validation status; Err says why it is fail.
	Result Result
	// Err is the cause of a fail, wrapping one of the package's
	// sentinels and, for a signature or a seal, the dkim error behind it
	// (which, for a DNS failure, may name the server). It is for logs;
	// Reason gives the phrase for headers.
	Err error
	// Instances is the number of sets (the newest instance).
	Instances int
	// FailedInstance is the instance whose signature or seal failed, or
	// 0.
	FailedInstance int
	// OldestPass is the lowest instance from which every
	// ARC-Message-Signature verifies, when the chain passes (§5.2 step
	// 5); 0 when it does not pass.
	OldestPass int
	// Sets holds each set's details, by instance order (Sets[0] is i=1).
	Sets []SetResult
	// UnsignedFields names, in lower case and in h= order, each header
	// field the newest ARC-Message-Signature covers of which the message
	// has more instances than its h= lists (see
	// dkim.Outcome.UnsignedFields): a From or Subject added above the
	// sealed message, which readers show and the chain does not vouch
	// for (RFC 6376 §5.4.2, §8.15). A caller should not trust a pass
	// whose UnsignedFields holds a field it shows. It is set whenever the
	// newest message signature parses.
	UnsignedFields []string
}

// String renders o for logs: "none", "pass sets=3 oldest-pass=2",
// "fail i=3: " and the whole error.
func (o Outcome) String() string {
	switch {
	case o.Result == Pass:
		return fmt.Sprintf("pass sets=%d oldest-pass=%d", o.Instances, o.OldestPass)
	case o.Err == nil:
		return string(o.Result)
	case o.FailedInstance > 0:
		return fmt.Sprintf("%s i=%d: %v", o.Result, o.FailedInstance, o.Err)
	}
	return fmt.Sprintf("%s: %v", o.Result, o.Err)
}

// Reason returns a short, stable phrase for o's Err, to go into a header
// such as Authentication-Results reason=: "invalid chain structure",
// "message signature i=3: body hash did not verify", "seal i=2: DNS
// timeout"... It never holds the error chain, a server address or a
// port (those stay in Err, for logs). It is "" when Err is nil.
func (o Outcome) Reason() string {
	var kind string
	switch {
	case o.Err == nil:
		return ""
	case errors.Is(o.Err, dkim.ErrHeaderTooLarge):
		return "header too large"
	case errors.Is(o.Err, dkim.ErrNotStarted):
		return "verification not started"
	case errors.Is(o.Err, ErrChainFailed):
		return "chain already failed"
	case errors.Is(o.Err, ErrTooManySets):
		return "too many ARC sets"
	case errors.Is(o.Err, ErrStructure):
		return "invalid chain structure"
	case errors.Is(o.Err, ErrMessageSignature):
		kind = "message signature"
	case errors.Is(o.Err, ErrSeal):
		kind = "seal"
	default:
		return "chain did not verify"
	}
	if o.FailedInstance > 0 {
		kind += fmt.Sprintf(" i=%d", o.FailedInstance)
	}
	if o.Temporary() {
		// A key that could not be fetched now is not a broken chain:
		// say so, so that a reader (or a report) does not take a DNS
		// outage for tampering.
		return kind + ": temporary DNS failure (" + (dkim.Outcome{Err: o.Err}).Reason() + ")"
	}
	// The dkim error behind it, in dkim's words.
	if why := (dkim.Outcome{Err: o.Err}).Reason(); why != "signature not verified" {
		return kind + ": " + why
	}
	return kind + " did not verify"
}

// Temporary reports whether o is a fail because a key record could not
// be fetched for a temporary DNS failure (a timeout, SERVFAIL,
// REFUSED: dkim.ErrKeyUnavailable), not because the chain is broken.
// RFC 8617 has no temperror, so the Result stays Fail; a receiver may
// answer 4xx, or at least not count it against the sealers, and Reason
// says "temporary DNS failure".
func (o Outcome) Temporary() bool {
	return o.Result == Fail && errors.Is(o.Err, dkim.ErrKeyUnavailable)
}

// AuthResult renders o as an Authentication-Results arc result (RFC 8617
// §10.2): header.oldest-pass when above 1, and Reason as reason. The
// zero Outcome (no verification) renders arc=none.
func (o Outcome) AuthResult() authres.Result {
	r := authres.Result{Method: "arc", Value: string(cmp.Or(o.Result, None)), Reason: o.Reason()}
	if o.Result == Pass && o.OldestPass > 1 {
		r.Props = append(r.Props, authres.Prop{Type: "header", Property: "oldest-pass", Value: strconv.Itoa(o.OldestPass)})
	}
	return r
}

// set holds the three fields of one instance.
type set struct {
	aar, ams, as []dkim.Field
}

// collect groups the ARC header fields by instance. It returns the sets
// by instance (index i-1), or an ErrStructure/ErrTooManySets error.
func collect(h dkim.Header, maxSets int) ([]set, error) {
	byInst := map[int]*set{}
	top := 0
	for _, f := range h {
		var dst func(*set) *[]dkim.Field
		switch strings.ToLower(f.Name) {
		case "arc-authentication-results":
			dst = func(s *set) *[]dkim.Field { return &s.aar }
		case "arc-message-signature":
			dst = func(s *set) *[]dkim.Field { return &s.ams }
		case "arc-seal":
			dst = func(s *set) *[]dkim.Field { return &s.as }
		default:
			continue
		}
		inst, err := instanceOf(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrStructure, f.Name, err)
		}
		if inst > maxSets {
			// §4.2.1: at most 50 sets; an instance above the limit means
			// more sets than allowed (or a gap, which fails too).
			return nil, fmt.Errorf("%w: instance %d, limit %d", ErrTooManySets, inst, maxSets)
		}
		s := byInst[inst]
		if s == nil {
			s = &set{}
			byInst[inst] = s
		}
		*dst(s) = append(*dst(s), f)
		top = max(top, inst)
	}
	if top == 0 {
		return nil, nil
	}
	sets := make([]set, top)
	for i := 1; i <= top; i++ {
		s := byInst[i]
		// §5.2 step 3.1, 3.2: exactly one of each, no gaps.
		if s == nil || len(s.aar) != 1 || len(s.ams) != 1 || len(s.as) != 1 {
			return nil, fmt.Errorf("%w: instance %d lacks or repeats a field", ErrStructure, i)
		}
		sets[i-1] = *s
	}
	return sets, nil
}

// topInstance returns the highest instance of the ARC header fields in
// h, ignoring those without a valid i=, and whether h has any ARC field.
func topInstance(h dkim.Header) (int, bool) {
	top, any := 0, false
	for _, f := range h {
		switch strings.ToLower(f.Name) {
		case "arc-authentication-results", "arc-message-signature", "arc-seal":
			any = true
			if n, err := instanceOf(f); err == nil {
				top = max(top, n)
			}
		}
	}
	return top, any
}

// instanceOf reads the i= tag of an ARC field. For ARC-Authentication-
// Results the payload is "i=N; authserv-id; ..." (§4.1.1).
func instanceOf(f dkim.Field) (int, error) {
	v := f.Value()
	for spec := range strings.SplitSeq(v, ";") {
		name, val, ok := strings.Cut(spec, "=")
		if ok && strings.TrimSpace(name) == "i" {
			// The range (1 to 50, §4.2.1) is checked by the caller, so
			// that too high an instance reports ErrTooManySets.
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 1 {
				return 0, fmt.Errorf("instance i=%s", val)
			}
			return n, nil
		}
	}
	return 0, errors.New("no i= tag")
}
