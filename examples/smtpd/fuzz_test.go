package main

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzConfigFile feeds arbitrary config files to applyFile and checks
// that an accepted file sets only known flags and that the settings it
// made read back: rendering them as a file and reading it again gives
// the same configuration.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("# smtpd\nlisten = 127.0.0.1:2525\ndomains = example.org\nmaildir = /var/mail\n"))
	f.Add([]byte("greet-wait = 2s\ngreet-banner = \" spaced \"\ntarpit = false\n"))
	f.Add([]byte("max-message-bytes = 1048576\nrelay = lmtp:/run/dovecot/lmtp\n"))
	f.Add([]byte("config = other.conf\n"))
	f.Add([]byte("nosuch = 1\n"))
	f.Add([]byte("listen\n"))
	f.Add([]byte("read-timeout = forever\n"))
	f.Add([]byte("v = yes\n\n\t# indented comment\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &config{}
		fs := c.flagSet()
		if err := applyFile(fs, bytes.NewReader(in), nil); err != nil {
			return
		}
		var again strings.Builder
		for _, name := range []string{"listen", "hostname", "domains", "mailboxes", "maildir", "relay", "greet-banner", "harvest", "tls-cert", "tls-key", "dns", "dnsbl", "uribl", "on-error"} {
			v := fs.Lookup(name).Value.String()
			if strings.ContainsAny(v, "\r\n") {
				t.Fatalf("%s = %q: a value holds a line end", name, v)
			}
			again.WriteString(name + " = \"" + v + "\"\n")
		}
		c2 := &config{}
		if err := applyFile(c2.flagSet(), strings.NewReader(again.String()), nil); err != nil {
			t.Fatalf("rendered settings %q do not read back: %v", again.String(), err)
		}
		if c2.Listen != c.Listen || c2.Domains != c.Domains || c2.GreetBanner != c.GreetBanner || c2.Relay != c.Relay {
			t.Errorf("read back %+v, want %+v", c2, c)
		}
	})
}

// FuzzRecipients feeds arbitrary mailbox files to newRecipients and
// checks that every mailbox an accepted file lists is found by lookup,
// and that no mailbox name lookup returns can leave the Maildir root.
func FuzzRecipients(f *testing.F) {
	f.Add("example.org", "bob@example.org\n@catch.test\n# comment\n", "bob@example.org")
	f.Add("example.org", "", "../x@example.org")
	f.Add("a.test,b.test", "x@b.test\n", "postmaster")
	f.Add("example.org", "bob@example.org\n", "a/b@catch.test")
	f.Fuzz(func(t *testing.T, domains, file, addr string) {
		var tab *recipients
		var err error
		if file == "" {
			tab, err = newRecipients(domains, nil)
		} else {
			tab, err = newRecipients(domains, strings.NewReader(file))
		}
		if err != nil {
			return
		}
		for line := range strings.SplitSeq(file, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "@") {
				continue
			}
			if class, box := tab.lookup(line); class != rcptLocal || box == "" {
				t.Errorf("listed mailbox %q: lookup = %v, %q", line, class, box)
			}
		}
		class, box := tab.lookup(addr)
		if class != rcptLocal {
			return
		}
		local, _, _ := strings.Cut(box, "@")
		if strings.Contains(box, "/") && !strings.HasSuffix(box, "/.Quarantine") || local == "." || local == ".." || strings.HasPrefix(box, ".") {
			t.Errorf("lookup(%q) = mailbox %q, which leaves the Maildir root", addr, box)
		}
	})
}
