package batv

import (
	"crypto/hmac"
	"crypto/sha1"
	"errors"
	"strings"
	"testing"
)

// FuzzParse holds the parser, Strip and the signer to their properties
// on arbitrary addresses: a parsed tag renders back to its input (case
// aside) and its address is what Strip returns; Strip returns a suffix
// of its input and only with a "prvs=" local part; and whatever Sign
// accepts, Verify finds valid with the address Strip leaves.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"prvs=0796d71aae=postmaster@example.com", "PRVS=9001ABCDEF=a=b@x", "prvs=374a1453b=u@example.com",
		"user@example.com", "prvs==@", "prvs=0796d71aae=@x", "@", "prvs=1=prvs=2=u@x", "\"a@b\"@example.com", "", "<jane@example.org>", "<prvs=0796d71aae=jane@example.org>"} {
		f.Add(s)
	}
	c := newChecker(day0)
	f.Fuzz(func(t *testing.T, addr string) {
		tag, err := Parse(addr)
		stripped, ok := Strip(addr)
		if !strings.HasSuffix(addr, stripped) || ok != (stripped != addr) {
			t.Fatalf("Strip(%q) = %q, %v: not a proper suffix", addr, stripped, ok)
		}
		if ok && !hasPrefixFold(addr, "prvs=") {
			t.Fatalf("Strip(%q) = %q without a prvs= prefix", addr, stripped)
		}
		if err == nil {
			if s := tag.String(); !strings.EqualFold(s, addr) || s[16:] != addr[16:] {
				t.Fatalf("Parse(%q).String() = %q", addr, s)
			}
			if !ok || stripped != tag.Address {
				t.Fatalf("Parse(%q).Address = %q, Strip = %q, %v", addr, tag.Address, stripped, ok)
			}
		} else if !errors.Is(err, ErrNotTagged) && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrAddress) {
			t.Fatalf("Parse(%q): unexpected error %v", addr, err)
		}
		signed, err := c.Sign(addr)
		if err != nil || addr == "" || addr == "<>" {
			return
		}
		want, _ := Strip(trimPath(addr)) // Sign tags inside angle brackets
		o, err := c.Check("<>", signed)
		if err != nil || o.Result != Valid || o.Address != want {
			t.Fatalf("Sign(%q) = %q, Check = %v, %v; want valid %q", addr, signed, o, err, want)
		}
	})
}

// FuzzHash holds the allocation-free HMAC to crypto/hmac.
func FuzzHash(f *testing.F) {
	f.Add([]byte("secret"), byte(0), uint16(796), "postmaster@example.com")
	f.Add(make([]byte, 64), byte(9), uint16(0), "")
	f.Fuzz(func(t *testing.T, secret []byte, k byte, day uint16, addr string) {
		if len(secret) > MaxSecret || len(addr) > maxAddressCap {
			return
		}
		kd := kddd(int(k%10), int(day%1000))
		got := prvsHash(secret, &kd, addr)
		m := hmac.New(sha1.New, secret)
		m.Write(kd[:])
		m.Write([]byte(addr))
		want := m.Sum(nil)
		if string(got[:]) != string(want[:3]) {
			t.Fatalf("prvsHash(%x, %s, %q) = %x, crypto/hmac %x", secret, kd, addr, got, want[:3])
		}
	})
}
