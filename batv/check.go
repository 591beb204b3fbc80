package batv

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Result is the verdict on a bounce's recipient.
type Result string

const (
	// Valid: the recipient carries a tag we made, unexpired; deliver to
	// Outcome.Address.
	Valid Result = "valid"
	// Invalid: the recipient carries a prvs= tag we did not make (bad
	// hash, unknown key number, malformed tag, or an address over
	// MaxAddress): refuse.
	Invalid Result = "invalid"
	// Expired: the tag is ours but its day has passed, or its key has
	// expired: refuse.
	Expired Result = "expired"
	// Missing: a bounce to an untagged address, which we never used as
	// an envelope sender: refuse (backscatter).
	Missing Result = "missing"
	// Exempt: a bounce to an untagged address that may receive them
	// (postmaster, or Checker.Exempt): accept.
	Exempt Result = "exempt"
	// NotBounce: the sender is not null; BATV has nothing to say. A tag
	// on the recipient is still checked and reported in Err and Tag.
	NotBounce Result = "not-bounce"
)

// String returns the result's token.
func (r Result) String() string { return string(r) }

// Outcome is the verdict on one recipient, with its evidence.
type Outcome struct {
	// Result is the verdict.
	Result Result
	// Address is the recipient to deliver to: without its tag when it
	// had one.
	Address string
	// Tagged reports whether the recipient had a prvs= local part.
	Tagged bool
	// Tag is the parsed tag, when Tagged and well formed.
	Tag Tag
	// Expires is the day the tag expires (its DDD placed in time: the
	// nearest such day no later than ValidDays ahead of now), when Tag
	// is set.
	Expires time.Time
	// Err is the cause of Invalid (ErrBadHash, ErrUnknownKey, ErrSyntax,
	// ErrTooLong) or Expired (ErrExpired, ErrKeyExpired), or for
	// NotBounce the cause a bounce would have been refused; nil
	// otherwise.
	Err error
}

// String renders the outcome for logs, e.g.
// "invalid jane@example.org: batv: hash mismatch".
func (o Outcome) String() string {
	s := string(o.Result)
	if s == "" {
		s = "none"
	}
	if o.Address != "" {
		s += " " + o.Address
	}
	if o.Err != nil {
		s += ": " + o.Err.Error()
	}
	return s
}

// Reason returns a short stable phrase for the outcome, fit for an SMTP
// reply or a header: never an address or an error chain.
func (o Outcome) Reason() string {
	switch o.Result {
	case Valid:
		return "valid bounce address tag"
	case Exempt:
		return "untagged bounce to an exempt address"
	case Missing:
		return "bounce to an address we never used as sender"
	case Expired:
		if errors.Is(o.Err, ErrKeyExpired) {
			return "bounce address tag key retired"
		}
		return "bounce address tag expired"
	case Invalid:
		switch {
		case errors.Is(o.Err, ErrTooLong):
			return "address too long"
		case errors.Is(o.Err, ErrSyntax):
			return "malformed bounce address tag"
		}
		return "invalid bounce address tag"
	case NotBounce:
		return "not a bounce"
	}
	return "no result"
}

// Reply is a suggested SMTP reply (RFC 5321 §4.2, enhanced status code
// RFC 3463).
type Reply struct {
	Code     int    // 250, 550, 451
	Enhanced string // "2.1.5", "5.7.1"
	Text     string // Reason
}

// String renders the reply line without CRLF: "550 5.7.1 text".
func (r Reply) String() string { return fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Text) }

// Reply suggests the answer to the RCPT command: 250 2.1.5 for Valid,
// Exempt and NotBounce; 550 5.7.1 (delivery not authorized, RFC 3463
// §3.8) for Invalid, Expired and Missing; 451 4.3.0 for the zero
// Outcome, which is no verdict.
func (o Outcome) Reply() Reply {
	switch o.Result {
	case Valid, Exempt, NotBounce:
		return Reply{250, "2.1.5", o.Reason()}
	case Invalid, Expired, Missing:
		return Reply{550, "5.7.1", o.Reason()}
	}
	return Reply{451, "4.3.0", o.Reason()}
}

// Refuse reports whether the recipient should be refused.
func (o Outcome) Refuse() bool { return o.Reply().Code >= 500 }

// skewDays is how many days ahead of ValidDays a tag's expiry day may
// be: a signer's clock may pass midnight before the verifier's.
const skewDays = 1

// trimPath removes one pair of angle brackets.
func trimPath(s string) string {
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return s[1 : len(s)-1]
	}
	return s
}

// Verify checks the tag on addr, whatever the sender: Valid, Invalid or
// Expired for a tagged address, Missing for an untagged one (Exempt
// where it may receive untagged bounces; "postmaster" without a domain,
// which RFC 5321 §4.5.1 allows in RCPT, is always Exempt). The error
// return is non-nil only when the check cannot run: no keys or a bad configuration
// (ErrNoKey, ErrConfig), or addr is not an address (ErrAddress).
func (c *Checker) Verify(addr string) (Outcome, error) {
	if err := c.check(); err != nil {
		return Outcome{}, err
	}
	addr = trimPath(addr)
	if strings.EqualFold(addr, "postmaster") {
		// RFC 5321 §4.5.1: "postmaster" without a domain names this
		// host's postmaster, who must receive mail (bounces included).
		return Outcome{Result: Exempt, Address: addr}, nil
	}
	if _, _, ok := splitAddr(addr); !ok {
		return Outcome{}, fmt.Errorf("%w: %q", ErrAddress, addr)
	}
	return c.verify(addr, c.now()), nil
}

func (c *Checker) verify(addr string, now time.Time) Outcome {
	stripped, tagged := Strip(addr)
	o := Outcome{Address: stripped, Tagged: tagged}
	if len(addr) > c.maxAddress() {
		o.Result, o.Err = Invalid, fmt.Errorf("%w: %d octets over %d", ErrTooLong, len(addr), c.maxAddress())
		return o
	}
	t, err := Parse(addr)
	switch {
	case errors.Is(err, ErrNotTagged):
		local, _, _ := splitAddr(addr)
		if strings.EqualFold(local, "postmaster") || c.Exempt != nil && c.Exempt(addr) {
			o.Result = Exempt
		} else {
			o.Result = Missing
		}
		return o
	case err != nil:
		o.Result, o.Err = Invalid, err
		return o
	}
	o.Tag, o.Tagged, o.Address = t, true, t.Address
	today := dayNumber(now)
	ahead := mod1000(int64(t.Day) - today)
	expiresDay := today + int64(ahead)
	if ahead > c.validDays()+skewDays {
		expiresDay -= 1000
	}
	o.Expires = time.Unix(expiresDay*86400, 0).UTC()

	var key *Key
	for i := range c.Keys {
		if c.Keys[i].Number == t.Key {
			key = &c.Keys[i]
			break
		}
	}
	if key == nil {
		o.Result, o.Err = Invalid, fmt.Errorf("%w: %d", ErrUnknownKey, t.Key)
		return o
	}
	kd := kddd(t.Key, t.Day)
	want := prvsHash(key.Secret, &kd, t.Address)
	if subtle.ConstantTimeCompare(want[:], t.Hash[:]) != 1 {
		o.Result, o.Err = Invalid, ErrBadHash
		return o
	}
	// The draft's DDD is the expiry day modulo 1000: the tag is good from
	// ValidDays before it through the end of that day, and one day more
	// ahead for a signer whose clock is past midnight before ours.
	if ahead > c.validDays()+skewDays {
		o.Result, o.Err = Expired, fmt.Errorf("%w: on %s", ErrExpired, o.Expires.Format(time.DateOnly))
		return o
	}
	if !key.NotAfter.IsZero() && now.After(key.NotAfter) {
		o.Result, o.Err = Expired, fmt.Errorf("%w: key %d after %s", ErrKeyExpired, key.Number, key.NotAfter.UTC().Format(time.RFC3339))
		return o
	}
	o.Result = Valid
	return o
}

// Check is the RCPT-time check: it returns NotBounce unless mailFrom is
// the null reverse-path ("" or "<>"), and otherwise verifies rcpt (see
// Verify): a bounce is accepted only to a valid tag or an exempt
// address. Angle brackets around either argument are removed. The error
// return is non-nil only when the check cannot run (ErrNoKey, ErrConfig,
// or an rcpt that is not an address, ErrAddress).
func (c *Checker) Check(mailFrom, rcpt string) (Outcome, error) {
	o, err := c.Verify(rcpt)
	if err != nil {
		return o, err
	}
	if trimPath(mailFrom) != "" {
		o.Result = NotBounce
	}
	return o, nil
}
