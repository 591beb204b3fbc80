package dkim

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/resolver"
)

// Resolver is the DNS interface the package needs; *net.Resolver and
// *resolver.Resolver satisfy it. When the resolver also has the method
//
//	TXT(ctx context.Context, name string) (resolver.Result[string], error)
//
// (as *resolver.Resolver does), it is used instead, and the AD bit of the
// answer is reported as Outcome.Authentic.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

type txtResolver interface {
	TXT(ctx context.Context, name string) (resolver.Result[string], error)
}

// DefaultMaxKeyRecordBytes is the default bound on a key record's length.
const DefaultMaxKeyRecordBytes = 4096

// Key is a parsed DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4).
type Key struct {
	// Type is the k= key type: "rsa" or "ed25519".
	Type string
	// Public is the key: *rsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
	// Bits is the RSA modulus length, or 256 for ed25519.
	Bits int
	// Hashes lists the h= hash algorithms allowed; nil allows all.
	Hashes []string
	// Services lists the s= service types; nil means all ("*").
	Services []string
	// Testing reports the t=y flag: the domain is testing DKIM.
	Testing bool
	// Strict reports the t=s flag: i= must not be a subdomain of d=.
	Strict bool
	// Notes is the n= tag.
	Notes string
}

// ParseKey parses a key record, the TXT strings concatenated. A record
// with an empty p= is revoked (ErrKeyRevoked, RFC 6376 §3.6.1). RSA keys
// may be SubjectPublicKeyInfo or bare RSAPublicKey (erratum 3017).
func ParseKey(record string) (*Key, error) {
	tags, err := ParseTags(record)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeySyntax, err)
	}
	// RFC 6376 §3.6.1: v= is optional, but if present it must be first
	// and DKIM1.
	for i, t := range tags {
		if t.Name == "v" && (i != 0 || t.Value != "DKIM1") {
			return nil, fmt.Errorf("%w: v=%s", ErrKeySyntax, t.Value)
		}
	}
	k := &Key{Type: "rsa"}
	if v, ok := tags.Get("k"); ok {
		k.Type = strings.ToLower(stripFWS(v))
	}
	p, ok := tags.Get("p")
	if !ok {
		return nil, fmt.Errorf("%w: no p= tag", ErrKeySyntax)
	}
	p = stripFWS(p)
	if p == "" {
		return nil, ErrKeyRevoked
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("%w: p=: %w", ErrKeySyntax, err)
	}
	switch k.Type {
	case "rsa":
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			pub, err = x509.ParsePKCS1PublicKey(der)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: p=: %w", ErrKeySyntax, err)
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: k=rsa but p= holds a %T", ErrKeyMismatch, pub)
		}
		k.Public, k.Bits = rk, rk.N.BitLen()
	case "ed25519":
		// RFC 8463 §4: the raw 32-octet public key.
		if len(der) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: ed25519 key of %d octets", ErrKeySyntax, len(der))
		}
		k.Public, k.Bits = ed25519.PublicKey(der), 256
	default:
		return nil, fmt.Errorf("%w: key type k=%s", ErrAlgorithm, k.Type)
	}
	if v, ok := tags.Get("h"); ok {
		k.Hashes = splitList(v)
	}
	if v, ok := tags.Get("s"); ok {
		if s := splitList(v); !contains(s, "*") {
			k.Services = s
		}
	}
	if v, ok := tags.Get("t"); ok {
		for _, f := range splitList(v) {
			k.Testing = k.Testing || f == "y"
			k.Strict = k.Strict || f == "s"
		}
	}
	k.Notes, _ = tags.Get("n")
	return k, nil
}

// splitList splits a colon-separated list, dropping whitespace and
// empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(stripFWS(s), ":") {
		if item != "" {
			out = append(out, item)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// LookupKey fetches and parses the key records at
// selector._domainkey.domain (RFC 6376 §3.6.2). It returns every record
// that parses (RFC 6376 §3.6.2.2 lets a verifier try each), and whether
// the answer was DNSSEC-authenticated (only with a resolver that has the
// TXT method, see Resolver). maxBytes bounds each record (if <= 0,
// DefaultMaxKeyRecordBytes).
//
// Errors wrap ErrNoKey (NXDOMAIN, NODATA, no DKIM record),
// ErrKeyUnavailable (temporary DNS failure), ErrKeyTooLarge, or the
// parse error of the first record.
func LookupKey(ctx context.Context, r Resolver, selector, domain string, maxBytes int) ([]*Key, bool, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxKeyRecordBytes
	}
	name := selector + "._domainkey." + domain
	var txts []string
	var authentic bool
	var err error
	if tr, ok := r.(txtResolver); ok {
		var res resolver.Result[string]
		res, err = tr.TXT(ctx, name)
		txts, authentic = res.Records, res.Authentic
	} else {
		txts, err = r.LookupTXT(ctx, name)
	}
	switch {
	case err == nil:
	case resolver.IsNotFound(err):
		return nil, false, fmt.Errorf("%w: %w", ErrNoKey, err)
	case resolver.IsTemporary(err):
		// RFC 6376 §6.1.2 step 2: a DNS failure is a TEMPFAIL.
		return nil, false, fmt.Errorf("%w: %w", ErrKeyUnavailable, err)
	default:
		return nil, false, fmt.Errorf("%w: %w", ErrNoKey, err)
	}
	var keys []*Key
	var first error
	for _, txt := range txts {
		if len(txt) > maxBytes {
			if first == nil {
				first = fmt.Errorf("%w: key record of %d bytes, limit %d", ErrKeyTooLarge, len(txt), maxBytes)
			}
			continue
		}
		k, err := ParseKey(txt)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		if first == nil {
			first = fmt.Errorf("%w: no TXT record at %s", ErrNoKey, name)
		}
		return nil, authentic, first
	}
	return keys, authentic, nil
}

// Work returns the cost of one signature verification with k, in the
// work units of Verifier.MaxVerifyWork: an RSA key of n bits costs
// ⌈n/1024⌉² units (RSA verification time grows with the square of the
// modulus: RSA-1024 is one unit, RSA-2048 four, RSA-8192 64), an
// ed25519 key 2 (about twice an RSA-1024 verification).
func (k *Key) Work() int {
	if k.Type == "ed25519" {
		return 2
	}
	n := max((k.Bits+1023)/1024, 1)
	return n * n
}

// verify checks sig over digest with the key, for algorithm alg.
func (k *Key) verify(alg Algorithm, digest, sig []byte) error {
	switch pub := k.Public.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, alg.Hash(), digest, sig); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
	case ed25519.PublicKey:
		// RFC 8463 §3: ed25519 signs the SHA-256 hash (PureEdDSA over it).
		if !ed25519.Verify(pub, digest, sig) {
			return ErrBadSignature
		}
	default:
		return fmt.Errorf("%w: key of type %T", ErrAlgorithm, k.Public)
	}
	return nil
}

// VerifyDigest verifies sig over digest (the header hash) with the key,
// for algorithm alg. It is the last step of DKIM and ARC verification.
func (k *Key) VerifyDigest(alg Algorithm, digest, sig []byte) error {
	if alg.KeyType() != k.Type {
		return fmt.Errorf("%w: a=%s with k=%s", ErrKeyMismatch, alg, k.Type)
	}
	return k.verify(alg, digest, sig)
}

// SignDigest signs digest (the header hash) with key for algorithm alg.
func SignDigest(key crypto.Signer, alg Algorithm, digest []byte) ([]byte, error) {
	var opts crypto.SignerOpts = alg.Hash()
	if alg.KeyType() == "ed25519" {
		opts = crypto.Hash(0) // PureEdDSA over the hash (RFC 8463 §3)
	}
	return key.Sign(nil, digest, opts)
}

// ParsePrivateKey reads a private key from PEM: PKCS#1 ("RSA PRIVATE
// KEY") or PKCS#8 ("PRIVATE KEY") holding an RSA or ed25519 key. The
// first PEM block is used.
func ParsePrivateKey(pemData []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemData)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrPEM)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q", ErrPEM, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPEM, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: unsupported key type %T", ErrPEM, key)
}

// KeyRecord returns the key record to publish at
// selector._domainkey.domain for pub (*rsa.PublicKey or
// ed25519.PublicKey), e.g. "v=DKIM1; k=ed25519; p=...".
func KeyRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", errors.New("dkim: unsupported public key type " + fmt.Sprintf("%T", pub))
}
