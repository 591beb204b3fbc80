// Package dnsname checks the syntax of the domain names that the mail
// checks take from the wire (PTR targets, HELO arguments, list zones,
// URL hosts) before they are looked up.
package dnsname

import "strings"

// Plausible reports whether s, with or without one trailing dot, is a
// name of at least two labels of letters, digits, '-' and '_' (found in
// the wild and in list zones such as "_email.hbl.example"), each of 1 to
// 63 octets, 253 octets in all (RFC 1035 §2.3.4).
func Plausible(s string) bool { return valid(s, false) }

// HostName reports whether s is Plausible and no label begins or ends
// with a hyphen (RFC 1123 §2.1, RFC 952).
func HostName(s string) bool { return valid(s, true) }

func valid(s string, hyphens bool) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 {
			return false
		}
		if hyphens && (label[0] == '-' || label[len(label)-1] == '-') {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
