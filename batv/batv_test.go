package batv

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// day0 is a fixed instant: 2026-12-02 10:00 UTC (day 20789).
var day0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// at returns a Now func fixed at t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func newChecker(now time.Time) *Checker {
	return &Checker{Keys: []Key{{Number: 1, Secret: []byte("s3cret")}}, Now: at(now)}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		key     int
		day     int
		hash    [3]byte
		address string
		err     error
	}{
		{"prvs=0796d71aae=postmaster@example.com", 0, 796, [3]byte{0xd7, 0x1a, 0xae}, "postmaster@example.com", nil},
		{"PRVS=9001ABCDEF=a=b@x.example", 9, 1, [3]byte{0xab, 0xcd, 0xef}, "a=b@x.example", nil},
		{"prvs=0000000000=x@y", 0, 0, [3]byte{}, "x@y", nil},
		{"user@example.com", 0, 0, [3]byte{}, "", ErrNotTagged},
		{"prvs@example.com", 0, 0, [3]byte{}, "", ErrNotTagged},
		{"prvs=374a1453b=user@example.com", 0, 0, [3]byte{}, "", ErrSyntax}, // IronPort's 9 characters
		{"prvs=0796d71aae=@example.com", 0, 0, [3]byte{}, "", ErrSyntax},    // empty loc-core
		{"prvs=0796d71aae@example.com", 0, 0, [3]byte{}, "", ErrSyntax},
		{"prvs=x796d71aae=u@example.com", 0, 0, [3]byte{}, "", ErrSyntax},
		{"prvs=07x6d71aae=u@example.com", 0, 0, [3]byte{}, "", ErrSyntax},
		{"prvs=0796d71aag=u@example.com", 0, 0, [3]byte{}, "", ErrSyntax},
		{"prvs=0796d71aae-u@example.com", 0, 0, [3]byte{}, "", ErrSyntax},
		{"prvs=0796d71aae=u", 0, 0, [3]byte{}, "", ErrAddress},
		{"prvs=0796d71aae=u@", 0, 0, [3]byte{}, "", ErrAddress},
		{"", 0, 0, [3]byte{}, "", ErrAddress},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if err != nil {
				return
			}
			if got.Key != tc.key || got.Day != tc.day || got.Hash != tc.hash || got.Address != tc.address {
				t.Fatalf("Parse(%q) = %+v, want %d %d %x %q", tc.in, got, tc.key, tc.day, tc.hash, tc.address)
			}
			if s := got.String(); !strings.EqualFold(s, tc.in) {
				t.Fatalf("Parse(%q).String() = %q", tc.in, s)
			}
		})
	}
}

func TestStrip(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"prvs=0796d71aae=postmaster@example.com", "postmaster@example.com", true},
		{"PRVS=0796D71AAE=Jane@Example.ORG", "Jane@Example.ORG", true},
		{"prvs=374a1453b=andrew@example.com", "andrew@example.com", true}, // Cisco IronPort form
		{"prvs=9905c7c8d6=ms@example.de", "ms@example.de", true},
		{"prvs=1=a=b@example.com", "a=b@example.com", true},
		{"user@example.com", "user@example.com", false},
		{"prvs==user@example.com", "prvs==user@example.com", false},
		{"prvs=abc=@example.com", "prvs=abc=@example.com", false},
		{"prvs=ab.c=user@example.com", "prvs=ab.c=user@example.com", false},
		{"prvs=" + strings.Repeat("a", 33) + "=u@example.com", "prvs=" + strings.Repeat("a", 33) + "=u@example.com", false},
		{"prvs=" + strings.Repeat("a", 32) + "=u@example.com", "u@example.com", true},
		{"prvs=0796d71aae=user", "prvs=0796d71aae=user", false},
		{"", "", false},
	} {
		got, ok := Strip(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Strip(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	c := newChecker(day0)
	for _, addr := range []string{"alice@example.com", "Bob.Smith+list@Example.NET", "a=b@x.example", "\"quoted local\"@example.org"} {
		s, err := c.Sign(addr)
		if err != nil {
			t.Fatalf("Sign(%q): %v", addr, err)
		}
		if !strings.HasPrefix(s, "prvs=1796") || !strings.HasSuffix(s, "="+addr) {
			t.Fatalf("Sign(%q) = %q, want prvs=1796SSSSSS=%s", addr, s, addr)
		}
		o, err := c.Check("", s)
		if err != nil || o.Result != Valid || o.Address != addr || !o.Tagged || o.Refuse() {
			t.Fatalf("Check(<>, %q) = %v, %v, want valid %s", s, o, err, addr)
		}
		if want := time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC); !o.Expires.Equal(want) {
			t.Fatalf("Check(<>, %q).Expires = %s, want %s", s, o.Expires, want)
		}
		// The scheme name and the hash digits are read in either case.
		upper := strings.ToUpper(s[:16]) + s[16:]
		if o, err := c.Check("", upper); err != nil || o.Result != Valid {
			t.Fatalf("Check(<>, %q) = %v, %v, want valid", upper, o, err)
		}
		// Resigning a tagged address replaces the tag.
		if again, err := c.Sign(s); err != nil || again != s {
			t.Fatalf("Sign(%q) = %q, %v, want the same tag", s, again, err)
		}
	}
}

// TestExpiry walks a tag signed on day0 through the days: valid through
// its expiry day (day0 + 7), expired after, and (DDD being a day modulo
// 1000) valid again 1000 days later, a documented limit of the format.
func TestExpiry(t *testing.T) {
	s, err := newChecker(day0).Sign("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		days int
		want Result
	}{
		{-1, Valid}, // a signer whose clock passed midnight first
		{-2, Expired},
		{0, Valid}, {3, Valid}, {7, Valid},
		{8, Expired}, {30, Expired}, {500, Expired}, {992, Expired},
		{1000, Valid}, // the day numbers wrap
	} {
		now := day0.AddDate(0, 0, tc.days)
		o, err := newChecker(now).Check("<>", "<"+s+">")
		if err != nil {
			t.Fatal(err)
		}
		if o.Result != tc.want {
			t.Errorf("day0%+d: Check = %v, want %s", tc.days, o, tc.want)
		}
		if tc.want == Expired && (!errors.Is(o.Err, ErrExpired) || !o.Refuse() || o.Reason() != "bounce address tag expired") {
			t.Errorf("day0%+d: Check = %v (%s), want ErrExpired and a refusal", tc.days, o, o.Reason())
		}
		if tc.want == Expired && tc.days < 1000 && tc.days > 0 && !o.Expires.Equal(time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("day0%+d: Expires = %s, want 2026-12-09", tc.days, o.Expires)
		}
	}
}

func TestValidDays(t *testing.T) {
	c := newChecker(day0)
	c.ValidDays = 1
	s, err := c.Sign("alice@example.com")
	if err != nil || !strings.HasPrefix(s, "prvs=1790") {
		t.Fatalf("Sign with ValidDays 1 = %q, %v, want DDD 790", s, err)
	}
	c.Now = at(day0.AddDate(0, 0, 2))
	if o, _ := c.Verify(s); o.Result != Expired {
		t.Fatalf("Verify 2 days later = %v, want expired", o)
	}
}

func TestCheck(t *testing.T) {
	c := newChecker(day0)
	c.Exempt = func(rcpt string) bool { return rcpt == "mdn-receipts@example.com" }
	good, _ := c.Sign("alice@example.com")
	forged := good[:len("prvs=1796")] + "000000=alice@example.com"
	other := &Checker{Keys: []Key{{Number: 1, Secret: []byte("not ours")}}, Now: at(day0)}
	theirs, _ := other.Sign("alice@example.com")
	for _, tc := range []struct {
		from, rcpt string
		want       Result
		err        error
		code       int
		address    string
	}{
		{"", good, Valid, nil, 250, "alice@example.com"},
		{"<>", "<" + good + ">", Valid, nil, 250, "alice@example.com"},
		{"", "alice@example.com", Missing, nil, 550, "alice@example.com"},
		{"", "Postmaster@example.com", Exempt, nil, 250, "Postmaster@example.com"},
		{"", "mdn-receipts@example.com", Exempt, nil, 250, "mdn-receipts@example.com"},
		{"", forged, Invalid, ErrBadHash, 550, "alice@example.com"},
		{"", theirs, Invalid, ErrBadHash, 550, "alice@example.com"},
		{"", "prvs=2796abcdef=alice@example.com", Invalid, ErrUnknownKey, 550, "alice@example.com"},
		{"", "prvs=374a1453b=alice@example.com", Invalid, ErrSyntax, 550, "alice@example.com"},
		{"bob@example.net", good, NotBounce, nil, 250, "alice@example.com"},
		{"bob@example.net", "alice@example.com", NotBounce, nil, 250, "alice@example.com"},
		{"<bob@example.net>", forged, NotBounce, ErrBadHash, 250, "alice@example.com"},
	} {
		o, err := c.Check(tc.from, tc.rcpt)
		if err != nil {
			t.Fatalf("Check(%q, %q): %v", tc.from, tc.rcpt, err)
		}
		if o.Result != tc.want || !errors.Is(o.Err, tc.err) || (tc.err == nil) != (o.Err == nil) || o.Reply().Code != tc.code || o.Address != tc.address {
			t.Errorf("Check(%q, %q) = %v (reply %s, address %q), want %s %v %d %q", tc.from, tc.rcpt, o, o.Reply(), o.Address, tc.want, tc.err, tc.code, tc.address)
		}
		if r := o.Reason(); strings.Contains(r, "@") || strings.Contains(r, "batv:") || r == "" {
			t.Errorf("Check(%q, %q).Reason() = %q: not a short stable phrase", tc.from, tc.rcpt, r)
		}
	}
}

func TestReply(t *testing.T) {
	for _, tc := range []struct {
		o    Outcome
		want string
	}{
		{Outcome{Result: Missing}, "550 5.7.1 bounce to an address we never used as sender"},
		{Outcome{Result: Invalid, Err: ErrBadHash}, "550 5.7.1 invalid bounce address tag"},
		{Outcome{Result: Expired, Err: ErrKeyExpired}, "550 5.7.1 bounce address tag key retired"},
		{Outcome{Result: Valid}, "250 2.1.5 valid bounce address tag"},
		{Outcome{}, "451 4.3.0 no result"},
	} {
		if got := tc.o.Reply().String(); got != tc.want {
			t.Errorf("%v.Reply() = %q, want %q", tc.o, got, tc.want)
		}
	}
	if s := (Outcome{}).String(); s != "none" {
		t.Errorf("Outcome{}.String() = %q, want none", s)
	}
}

// TestRotation: a new key announced with a future NotBefore verifies at
// once, signs from its NotBefore; the old key's tags keep verifying
// until its NotAfter, and Sign stops using it for tags that would
// outlive it.
func TestRotation(t *testing.T) {
	old := Key{Number: 1, Secret: []byte("old secret"), NotAfter: day0.AddDate(0, 0, 20)}
	next := Key{Number: 2, Secret: []byte("new secret"), NotBefore: day0.AddDate(0, 0, 10)}
	c := &Checker{Keys: []Key{old, next}, Now: at(day0)}
	s1, err := c.Sign("alice@example.com")
	if err != nil || !strings.HasPrefix(s1, "prvs=1") {
		t.Fatalf("Sign before rotation = %q, %v, want key 1", s1, err)
	}
	// Tags of key 2 made elsewhere verify before its NotBefore.
	early := &Checker{Keys: []Key{{Number: 2, Secret: next.Secret}}, Now: at(day0)}
	s2, _ := early.Sign("alice@example.com")
	if o, _ := c.Verify(s2); o.Result != Valid {
		t.Fatalf("Verify(key 2 tag) before its NotBefore = %v, want valid", o)
	}
	c.Now = at(day0.AddDate(0, 0, 10))
	s3, err := c.Sign("alice@example.com")
	if err != nil || !strings.HasPrefix(s3, "prvs=2") {
		t.Fatalf("Sign after NotBefore = %q, %v, want key 2", s3, err)
	}
	// Key 1's tag from day 5 is still good on day 10.
	c.Now = at(day0.AddDate(0, 0, 5))
	s4, _ := (&Checker{Keys: []Key{old}, Now: at(day0.AddDate(0, 0, 5))}).Sign("alice@example.com")
	c.Now = at(day0.AddDate(0, 0, 10))
	if o, _ := c.Verify(s4); o.Result != Valid {
		t.Fatalf("Verify(key 1 tag) after rotation = %v, want valid", o)
	}
	// After key 1's NotAfter its tags are refused even when unexpired.
	c.Now = at(old.NotAfter.Add(time.Hour))
	// (Signed elsewhere with key 1's secret but no NotAfter.)
	s5, err := (&Checker{Keys: []Key{{Number: 1, Secret: old.Secret}}, Now: at(day0.AddDate(0, 0, 15))}).Sign("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Verify(s5); o.Result != Expired || !errors.Is(o.Err, ErrKeyExpired) {
		t.Fatalf("Verify(key 1 tag) after its NotAfter = %v, want expired, ErrKeyExpired", o)
	}
	// Key 1 alone, 15 days in: a 7-day tag would outlive it.
	only := &Checker{Keys: []Key{old}, Now: at(day0.AddDate(0, 0, 15))}
	if _, err := only.Sign("alice@example.com"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Sign with a key expiring before the tag: %v, want ErrNoKey", err)
	}
}

func TestZeroChecker(t *testing.T) {
	var c Checker
	if _, err := c.Sign("alice@example.com"); !errors.Is(err, ErrNoKey) {
		t.Errorf("zero Checker Sign: %v, want ErrNoKey", err)
	}
	if _, err := c.Verify("alice@example.com"); !errors.Is(err, ErrNoKey) {
		t.Errorf("zero Checker Verify: %v, want ErrNoKey", err)
	}
	if _, err := c.Check("", "alice@example.com"); !errors.Is(err, ErrNoKey) {
		t.Errorf("zero Checker Check: %v, want ErrNoKey", err)
	}
	// The null sender needs no key.
	if s, err := c.Sign(""); s != "" || err != nil {
		t.Errorf("zero Checker Sign(\"\") = %q, %v, want \"\", nil", s, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, c := range map[string]*Checker{
		"number 10":     {Keys: []Key{{Number: 10, Secret: []byte("x")}}},
		"number -1":     {Keys: []Key{{Number: -1, Secret: []byte("x")}}},
		"duplicate":     {Keys: []Key{{Number: 3, Secret: []byte("x")}, {Number: 3, Secret: []byte("y")}}},
		"empty secret":  {Keys: []Key{{Number: 3}}},
		"65 octets":     {Keys: []Key{{Number: 3, Secret: make([]byte, 65)}}},
		"ValidDays 499": {Keys: []Key{{Number: 3, Secret: []byte("x")}}, ValidDays: MaxValidDays + 1},
		"ValidDays -1":  {Keys: []Key{{Number: 3, Secret: []byte("x")}}, ValidDays: -1},
		"MaxAddress":    {Keys: []Key{{Number: 3, Secret: []byte("x")}}, MaxAddress: 2000},
	} {
		if _, err := c.Sign("a@example.com"); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Sign: %v, want ErrConfig", name, err)
		}
		if _, err := c.Check("", "a@example.com"); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Check: %v, want ErrConfig", name, err)
		}
	}
	ok := &Checker{Keys: []Key{{Number: 3, Secret: make([]byte, 64)}}, ValidDays: MaxValidDays}
	if _, err := ok.Sign("a@example.com"); err != nil {
		t.Errorf("64-octet secret, ValidDays MaxValidDays: %v", err)
	}
}

func TestAddressErrors(t *testing.T) {
	c := newChecker(day0)
	for _, in := range []string{"alice", "@example.com", "alice@", "<>x"} {
		if _, err := c.Sign(in); !errors.Is(err, ErrAddress) {
			t.Errorf("Sign(%q): %v, want ErrAddress", in, err)
		}
		if _, err := c.Check("", in); !errors.Is(err, ErrAddress) {
			t.Errorf("Check(<>, %q): %v, want ErrAddress", in, err)
		}
	}
}

// TestLimits trips MaxLocalPart and MaxAddress.
func TestLimits(t *testing.T) {
	c := newChecker(day0)
	local48 := strings.Repeat("a", 48)
	if _, err := c.Sign(local48 + "@example.com"); err != nil {
		t.Fatalf("Sign(48-octet local part) = %v, want a 64-octet tagged local part", err)
	}
	if _, err := c.Sign(local48 + "b@example.com"); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Sign(49-octet local part): %v, want ErrTooLong", err)
	}
	c.MaxLocalPart = -1
	if _, err := c.Sign(local48 + "b@example.com"); err != nil {
		t.Fatalf("Sign(49-octet local part) with MaxLocalPart -1: %v", err)
	}
	long := strings.Repeat("d", 250) + "@x"
	if _, err := c.Sign(long); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Sign(%d octets): %v, want ErrTooLong", len(long), err)
	}
	c.MaxAddress = 20
	s := "prvs=1796abcdef=alice@example.com"
	o, err := c.Check("", s)
	if err != nil || o.Result != Invalid || !errors.Is(o.Err, ErrTooLong) || o.Reason() != "address too long" {
		t.Fatalf("Check(<>, %q) with MaxAddress 20 = %v, %v, want invalid, ErrTooLong", s, o, err)
	}
}

func TestVerifyAllocs(t *testing.T) {
	c := newChecker(day0)
	s, _ := c.Sign("alice@example.com")
	if n := testing.AllocsPerRun(100, func() {
		if o, _ := c.Verify(s); o.Result != Valid {
			t.Fatal(o)
		}
	}); n != 0 {
		t.Errorf("Verify of a valid tag: %v allocations, want 0", n)
	}
}

// TestConcurrent: one Checker signs and checks from many goroutines.
func TestConcurrent(t *testing.T) {
	c := newChecker(day0)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 200 {
				addr := fmt.Sprintf("u%d.%d@example.com", g, i)
				s, e := c.Sign(addr)
				if e != nil {
					err = e
					break
				}
				if o, e := c.Check("", s); e != nil || o.Result != Valid || o.Address != addr {
					err = fmt.Errorf("Check(%q) = %v, %v", s, o, e)
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
