package greylist_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/spamkit/spamkit/greylist"
)

// listLines splits a list file as the parsers do: comments cut, space
// trimmed, blank lines skipped.
func listLines(data string) []string {
	var out []string
	for line := range strings.SplitSeq(data, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func FuzzParseClientList(f *testing.F) {
	f.Add("example.org\n/^mx\\d+\\.example\\.net$/\n192.0.2.7\n198.51.100.0/24\n203.0.113\n10.20\n2001:db8::/32\n")
	f.Add("# comment\n.Example.NET.\n/(?<=x)y/\n1.2.3.4/33\n::ffff:1.2.3.4/120\n")
	f.Fuzz(func(t *testing.T, data string) {
		if strings.ContainsAny(data, "\r") || len(data) > greylist.MaxListLine {
			return
		}
		l, err := greylist.ParseClientList(strings.NewReader(data))
		lines := listLines(data)
		bad := 0
		for _, line := range lines {
			var one greylist.ClientList
			if err := one.Add(line); err != nil {
				bad++
				continue
			}
			if one.Len() != 1 {
				t.Fatalf("Add(%q) gave %d entries", line, one.Len())
			}
			// An address or network entry matches its own address; a
			// name entry matches itself.
			if p, err := netip.ParsePrefix(line); err == nil {
				if e, ok := one.MatchAddr(p.Masked().Addr()); !ok || e != line {
					t.Fatalf("entry %q does not match its network's address %s", line, p.Masked().Addr())
				}
			} else if a, err := netip.ParseAddr(line); err == nil {
				if e, ok := one.MatchAddr(a); !ok || e != line {
					t.Fatalf("entry %q does not match its address", line)
				}
			} else if !strings.HasPrefix(line, "/") && strings.Trim(line, "0123456789.") != "" {
				if e, ok := one.MatchName(line); !ok || e != line {
					t.Fatalf("name entry %q does not match itself (%q, %v)", line, e, ok)
				}
				if _, ok := l.MatchName(line); !ok {
					t.Fatalf("name entry %q not in the parsed list", line)
				}
			}
		}
		got := 0
		if err != nil {
			got = len(lineErrors(err))
		}
		if got != bad {
			t.Fatalf("ParseClientList reported %d bad lines, Add refuses %d (%v)", got, bad, err)
		}
		if l.Len() > len(lines)-bad {
			t.Fatalf("Len %d > %d good lines", l.Len(), len(lines)-bad)
		}
	})
}

func FuzzParseAddressList(f *testing.F) {
	f.Add("postmaster@\nabuse@example.net\nexample.com\n/^list-[a-z]+-request@/\n")
	f.Add("two words\n@example.org\n<Bob@Example.ORG>\n.sub.example.\n")
	f.Fuzz(func(t *testing.T, data string) {
		if strings.ContainsAny(data, "\r") || len(data) > greylist.MaxListLine {
			return
		}
		l, err := greylist.ParseAddressList(strings.NewReader(data))
		lines := listLines(data)
		bad := 0
		for _, line := range lines {
			var one greylist.AddressList
			if err := one.Add(line); err != nil {
				bad++
				continue
			}
			if strings.HasPrefix(line, "/") && strings.HasSuffix(line, "/") && len(line) >= 3 {
				continue
			}
			// An entry matches an address it names.
			if len(line) >= 2 && line[0] == '<' && line[len(line)-1] == '>' {
				line = line[1 : len(line)-1]
			}
			probe := line
			switch at := strings.LastIndexByte(line, '@'); {
			case at == len(line)-1:
				probe = line + "example.com"
			case at < 0:
				probe = "someone@" + strings.Trim(line, ".")
			}
			if _, ok := one.Match(probe); !ok {
				t.Fatalf("entry %q does not match %q", line, probe)
			}
			if _, ok := l.Match(probe); !ok {
				t.Fatalf("entry %q not in the parsed list (probe %q)", line, probe)
			}
		}
		got := 0
		if err != nil {
			got = len(lineErrors(err))
		}
		if got != bad {
			t.Fatalf("ParseAddressList reported %d bad lines, Add refuses %d (%v)", got, bad, err)
		}
	})
}

func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func FuzzNormalizeSender(f *testing.F) {
	for _, tc := range senderTests {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := greylist.NormalizeSender(in)
		if len(out) > len(in)+2 {
			t.Fatalf("NormalizeSender(%q) = %q: longer than its input", in, out)
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; c <= ' ' || c == 0x7f || c >= 'A' && c <= 'Z' {
				t.Fatalf("NormalizeSender(%q) = %q: byte %q in a key", in, out, c)
			}
		}
		at := strings.LastIndexByte(out, '@')
		if at < 0 || !strings.Contains(in, "@") {
			return
		}
		// No word of digits is left in the local part, and no "+".
		local := out[:at]
		if strings.Contains(local, "+") {
			t.Fatalf("NormalizeSender(%q) = %q: extension kept", in, out)
		}
		for i := 0; i < len(local); {
			if !isWord(local[i]) {
				i++
				continue
			}
			j, digits := i, true
			for j < len(local) && isWord(local[j]) {
				digits = digits && local[j] >= '0' && local[j] <= '9'
				j++
			}
			if digits {
				t.Fatalf("NormalizeSender(%q) = %q: number %q kept", in, out, local[i:j])
			}
			i = j
		}
	})
}

func FuzzBodyHash(f *testing.F) {
	f.Add([]byte("Hello,\n\nsome text  \nend\n\n"), uint16(3))
	f.Add([]byte("a\tb\n"), uint16(0))
	f.Fuzz(func(t *testing.T, body []byte, split uint16) {
		k := int(split) % (len(body) + 1)
		whole := digest(string(body))
		if got := digest(string(body[:k]), string(body[k:])); got != whole {
			t.Fatalf("digest of %q split at %d differs", body, k)
		}
		// Without CRs: CRLF line ends, spaces at line ends and empty
		// lines at the end do not change the digest.
		plain := bytes.ReplaceAll(body, []byte("\r"), nil)
		want := digest(string(plain))
		for _, v := range [][]byte{
			bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n")),
			bytes.ReplaceAll(plain, []byte("\n"), []byte(" \t\n")),
			append(bytes.Clone(plain), "\n\n"...),
		} {
			if got := digest(string(v)); got != want {
				t.Fatalf("digest(%q) != digest(%q)", v, plain)
			}
		}
	})
}
