package resolvertest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Names cross this package's Go API as raw octets, labels separated by
// dots, as package resolver takes and returns them: a label may hold any
// octet but the dot (RFC 2181 §11). Inside, the server files every name
// under its key: the presentation form miekg/dns gives a name it unpacks
// from the wire (RFC 1035 §5.1 escapes), fully qualified and lower case
// (RFC 4343: ASCII letters only). A query's name arrives in that form;
// names of master-file text are brought to it by packing and unpacking,
// so that `a\098c` and `abc` are one name. No escaping is done here:
// miekg/dns does it both ways.

// errName reports a name that is no domain name.
var errName = errors.New("resolvertest: invalid domain name")

// wireName returns the uncompressed wire form (RFC 1035 §3.1) of raw, a
// name of raw octets with or without its trailing dot; "" and "." are
// the root.
func wireName(raw string) ([]byte, error) {
	raw = strings.TrimSuffix(raw, ".")
	var w []byte
	if raw != "" {
		for label := range strings.SplitSeq(raw, ".") {
			if len(label) == 0 || len(label) > 63 {
				return nil, fmt.Errorf("%w: %q: label of %d octets", errName, raw, len(label))
			}
			w = append(w, byte(len(label)))
			w = append(w, label...)
		}
	}
	w = append(w, 0)
	if len(w) > 255 {
		return nil, fmt.Errorf("%w: %q: %d octets", errName, raw, len(w))
	}
	return w, nil
}

// rawKey returns the key of raw, a name of raw octets.
func rawKey(raw string) (string, error) {
	w, err := wireName(raw)
	if err != nil {
		return "", err
	}
	s, _, err := dns.UnpackDomainName(w, 0)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", errName, raw, err)
	}
	return canonical(s), nil
}

// ruleName returns the key of raw for a rule or a count, whose methods
// return no error: a name that is no domain name keeps a key no query
// can have.
func ruleName(raw string) string {
	k, err := rawKey(raw)
	if err != nil {
		return "\x00" + raw
	}
	return k
}

// presentationKey returns the key of name, in presentation form (from
// master-file text or a query).
func presentationKey(name string) string {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(dns.Fqdn(name), buf, 0, nil, false)
	if err != nil {
		return canonical(name)
	}
	s, _, err := dns.UnpackDomainName(buf[:n], 0)
	if err != nil {
		return canonical(name)
	}
	return canonical(s)
}

// canonical returns name fully qualified with its ASCII letters in lower
// case and every other octet as it is (RFC 4343 §3). dns.CanonicalName
// is not used: it maps runes, so an octet of invalid UTF-8, in a name
// that did not pass through unpacking, would become U+FFFD.
func canonical(name string) string {
	b := []byte(dns.Fqdn(name))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// rawName returns the raw octets of key, fully qualified.
func rawName(key string) string {
	buf := make([]byte, 256)
	n, err := dns.PackDomainName(key, buf, 0, nil, false)
	if err != nil {
		return key
	}
	var b strings.Builder
	for off := 0; off < n && buf[off] != 0; off += int(buf[off]) + 1 {
		b.Write(buf[off+1 : off+1+int(buf[off])])
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// parent returns the name one label up from key, "." for a single label
// and for the root. An escaped dot (\.) is inside a label.
func parent(key string) string {
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case '\\':
			i++
		case '.':
			if i+1 < len(key) {
				return key[i+1:]
			}
			return "."
		}
	}
	return "."
}
