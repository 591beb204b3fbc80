package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseConfig checks that ParseConfig either fails with a
// *ConfigError wrapping one of its sentinels, or returns a Config whose
// rendering (String, "milter -n") parses back to the same Config and
// renders the same again.
func FuzzParseConfig(f *testing.F) {
	f.Add("listen = inet:127.0.0.1:8891\nresolver = 127.0.0.1\n")
	f.Add("dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*3\n list.dnswl.org=127.0.[0..255].[1..3]*-2\ndnsbl_threshold = 3\n")
	f.Add("score.RCVD_IN_DNSBL = 3\nscore.SPF_FAIL = 1e-3\nreject_score = -1\nadd_header_score = 4.5\n")
	f.Add("greylist = yes\ngreylist_delay = 1s\ngreylist_max_age = 35d\ngreylist_store = bolt:/tmp/g.db\n")
	f.Add("mime_reject = none\nmime_strip = executable,macro\nmime_unchecked = accept\n")
	f.Add("max_message_size = 10MiB\r\nlisten = unix:/run/milter.sock\r\n")
	f.Add("uribl_sites = multi.surbl.org=&8*2\nhashbl_sites = h.test\nhashbl = on\n")
	f.Add("arc_seal_domain = a.test\narc_seal_selector = s\narc_seal_key_file = /k\n")
	f.Add("resolver = [::1]:53 ::ffff:127.0.0.1\nlisten = [::1]:0\n")
	f.Add("rdns = yes\n\trdns = no\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseConfig(strings.NewReader(in))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig(%q) = %v, not a *ConfigError", in, err)
			}
			known := false
			for _, s := range []error{ErrConfigSyntax, ErrUnknownSetting, ErrDuplicate, ErrBadValue, ErrConfigTooLarge, ErrConfigIncoherent} {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("ParseConfig(%q) = %v, wrapping none of the sentinels", in, err)
			}
			return
		}
		out := c.String()
		again, err := ParseConfig(strings.NewReader(out))
		if err != nil {
			t.Fatalf("ParseConfig(%q) rendered as %q, which does not parse: %v", in, out, err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("ParseConfig(%q) = %+v, rendered %q, parsed back as %+v", in, c, out, again)
		}
		if again.String() != out {
			t.Fatalf("rendering is not stable: %q then %q", out, again.String())
		}
	})
}
