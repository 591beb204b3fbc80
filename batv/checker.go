package batv

import (
	"crypto/sha1"
	"fmt"
	"time"
)

// Defaults for the Checker's zero fields.
const (
	// DefaultValidDays is how long a new tag is valid: 7 days, Exim's
	// ${prvs} (it stamps today + 7) and Halon's batv default.
	DefaultValidDays = 7
	// MaxValidDays bounds ValidDays. A tag's DDD is a day modulo 1000,
	// so a tag comes round as valid again about 1000 days after its
	// span began (a day more for clock skew); 498 days at most keep an
	// expired tag refused for at least as long as it was valid (with 998
	// or 999 days it would never expire).
	MaxValidDays = 498
	// DefaultMaxLocalPart is the longest tagged local part Sign makes:
	// 64 octets, RFC 5321 §4.5.3.1.1. A tag adds 16.
	DefaultMaxLocalPart = 64
	// DefaultMaxAddress is the longest address Verify and Check read:
	// 254 octets, the RFC 5321 §4.5.3.1.3 path of 256 less its angle
	// brackets.
	DefaultMaxAddress = 254
	// MaxSecret is the longest secret accepted: one SHA-1 block, 64
	// octets. Exim refuses longer keys rather than hashing them as
	// RFC 2104 §2 does, so longer secrets would not interoperate.
	MaxSecret = sha1.BlockSize
)

// Key is one signing key. Keys are told apart in a tag by their number
// K, so several can be live at once: rotate by adding a key with a new
// number (and a NotBefore in the future, so that every verifier knows it
// before any signer uses it), then retiring the old one with NotAfter.
type Key struct {
	// Number is K, 0–9.
	Number int
	// Secret is the HMAC-SHA1 key, 1 to MaxSecret octets.
	Secret []byte
	// NotBefore: Sign does not use the key before this instant. Verify
	// accepts its tags at once. Zero means always.
	NotBefore time.Time
	// NotAfter: the key expires. Sign uses it only for tags that expire
	// by then (the end of their expiry day, UTC), and Verify refuses its
	// tags after it (Expired, with ErrKeyExpired). Zero means never.
	NotAfter time.Time
}

// Checker signs envelope senders with BATV prvs= tags and verifies them
// on bounces. Its zero value has no key: Sign returns ErrNoKey and so do
// Verify and Check, while Parse and Strip, which need no key, work.
//
// A Checker holds no mutable state: once its fields are set it is safe
// for concurrent use by multiple goroutines.
type Checker struct {
	// Keys are the signing keys, each with its own number. Sign uses the
	// usable key with the latest NotBefore (the last such key in Keys on a
	// tie); Verify picks the key by the tag's K.
	Keys []Key
	// ValidDays is how many days a new tag is valid, 1–MaxValidDays (the DDD of a
	// tag is a day modulo 1000). Verify accepts a tag from its expiry
	// day back to ValidDays before it. If zero, DefaultValidDays.
	ValidDays int
	// MaxLocalPart bounds the tagged local part Sign makes (ErrTooLong).
	// If zero, DefaultMaxLocalPart; negative means no bound beyond
	// MaxAddress.
	MaxLocalPart int
	// MaxAddress bounds the addresses Sign, Verify and Check read
	// (ErrTooLong), at most 1024. If zero, DefaultMaxAddress.
	MaxAddress int
	// Exempt, if set, reports recipients that may receive untagged
	// bounces (addresses given in header fields rather than as envelope
	// senders: Disposition-Notification-To for RFC 8098 MDNs, list
	// owners). Postmaster is always exempt (RFC 5321 §4.5.1).
	Exempt func(rcpt string) bool
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) validDays() int {
	if c.ValidDays == 0 {
		return DefaultValidDays
	}
	return c.ValidDays
}

func (c *Checker) maxAddress() int {
	if c.MaxAddress <= 0 || c.MaxAddress > maxAddressCap {
		return DefaultMaxAddress
	}
	return c.MaxAddress
}

// check validates the configuration.
func (c *Checker) check() error {
	if len(c.Keys) == 0 {
		return ErrNoKey
	}
	if d := c.validDays(); d < 1 || d > MaxValidDays {
		return fmt.Errorf("%w: ValidDays %d is not 1–%d", ErrConfig, d, MaxValidDays)
	}
	if c.MaxAddress > maxAddressCap {
		return fmt.Errorf("%w: MaxAddress %d is over %d", ErrConfig, c.MaxAddress, maxAddressCap)
	}
	var seen [10]bool
	for _, k := range c.Keys {
		if k.Number < 0 || k.Number > 9 {
			return fmt.Errorf("%w: key number %d is not 0–9", ErrConfig, k.Number)
		}
		if seen[k.Number] {
			return fmt.Errorf("%w: two keys numbered %d", ErrConfig, k.Number)
		}
		seen[k.Number] = true
		if len(k.Secret) == 0 || len(k.Secret) > MaxSecret {
			return fmt.Errorf("%w: key %d secret has %d octets, want 1–%d", ErrConfig, k.Number, len(k.Secret), MaxSecret)
		}
	}
	return nil
}

// dayNumber returns the days since 1970-01-01 UTC of t.
func dayNumber(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// mod1000 returns d modulo 1000 in 0–999.
func mod1000(d int64) int { return int((d%1000 + 1000) % 1000) }

// kddd renders K DDD, the first four octets of the hash source.
func kddd(k, day int) [4]byte {
	return [4]byte{byte('0' + k), byte('0' + day/100), byte('0' + day/10%10), byte('0' + day%10)}
}

// Sign returns mailFrom tagged with the current key:
// "prvs=" K DDD SSSSSS "=" mailFrom, where DDD is the day the tag
// expires (today + ValidDays, modulo 1000) and SSSSSS the first three
// octets of HMAC-SHA1 over K DDD mailFrom, as draft-levine-smtp-batv-01
// (its prvs scheme) and Exim's ${prvs} make it. The null sender "" (and "<>") is
// returned unchanged: bounces keep their null reverse-path (RFC 5321
// §4.5.5). An address already tagged is signed again under its original
// address. The local part and domain are signed as given: verification
// is exact, so sign the form you send. A path in angle brackets,
// "<jane@example.org>", is returned in them, tagged inside.
func (c *Checker) Sign(mailFrom string) (string, error) {
	if mailFrom == "" || mailFrom == "<>" {
		return mailFrom, nil
	}
	if err := c.check(); err != nil {
		return "", err
	}
	// A path in angle brackets is tagged inside them.
	path := trimPath(mailFrom)
	lb, rb := "", ""
	if path != mailFrom {
		lb, rb = "<", ">"
	}
	addr, _ := Strip(path)
	local, _, ok := splitAddr(addr)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrAddress, mailFrom)
	}
	if len(addr)+16 > c.maxAddress() {
		return "", fmt.Errorf("%w: tagged address of %d octets over %d", ErrTooLong, len(addr)+16, c.maxAddress())
	}
	if m := c.MaxLocalPart; m >= 0 {
		if m == 0 {
			m = DefaultMaxLocalPart
		}
		if len(local)+16 > m {
			return "", fmt.Errorf("%w: tagged local part of %d octets over %d", ErrTooLong, len(local)+16, m)
		}
	}
	now := c.now()
	// The tag is valid through the end of its expiry day (UTC): a key
	// must outlive that, or the tag's bounces would be refused with
	// ErrKeyExpired while the tag is still valid.
	expires := time.Unix((dayNumber(now)+int64(c.validDays())+1)*86400, 0)
	var key *Key
	for i := range c.Keys {
		k := &c.Keys[i]
		if !k.NotBefore.IsZero() && now.Before(k.NotBefore) {
			continue
		}
		if !k.NotAfter.IsZero() && k.NotAfter.Before(expires) {
			continue
		}
		if key == nil || !k.NotBefore.Before(key.NotBefore) {
			key = k
		}
	}
	if key == nil {
		return "", fmt.Errorf("%w: no key is valid from now until a new tag expires", ErrNoKey)
	}
	day := mod1000(dayNumber(now) + int64(c.validDays()))
	kd := kddd(key.Number, day)
	t := Tag{Key: key.Number, Day: day, Hash: prvsHash(key.Secret, &kd, addr), Address: addr}
	return lb + t.String() + rb, nil
}
