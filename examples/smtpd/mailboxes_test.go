package main

import (
	"errors"
	"strings"
	"testing"
)

func TestRecipients(t *testing.T) {
	tab, err := newRecipients("Example.ORG., example.net", strings.NewReader(`# mailboxes
bob@example.org
Carol@Example.org
@catch.test
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr  string
		class rcptClass
		box   string
	}{
		{"bob@example.org", rcptLocal, "bob@example.org"},
		{"BOB@EXAMPLE.ORG.", rcptLocal, "bob@example.org"},
		{"carol@example.org", rcptLocal, "carol@example.org"},
		{"dave@example.org", rcptUnknown, ""},
		{"bob@example.net", rcptUnknown, ""},
		{"anyone@catch.test", rcptLocal, "@catch.test"},
		{"../../etc@catch.test", rcptLocal, "@catch.test"},
		{"bob@elsewhere.test", rcptForeign, ""},
		{"bob@example.org@elsewhere.test", rcptForeign, ""},
		{"@example.org", rcptUnknown, ""},
		{"nobody", rcptUnknown, ""},
		{"", rcptUnknown, ""},
		{strings.Repeat("a", 250) + "@example.org", rcptUnknown, ""},
	} {
		class, box := tab.lookup(tc.addr)
		if class != tc.class || box != tc.box {
			t.Errorf("lookup(%q) = %v, %q; want %v, %q", tc.addr, class, box, tc.class, tc.box)
		}
	}
	// "postmaster" alone is the first domain's (RFC 5321 §4.5.1),
	// which this table lacks.
	if class, _ := tab.lookup("Postmaster"); class != rcptUnknown {
		t.Errorf("lookup(Postmaster) = %v: the table has no postmaster@example.org", class)
	}
}

// Without a mailbox file every local part of a local domain exists,
// except those that cannot name a Maildir.
func TestRecipientsNoMailboxes(t *testing.T) {
	tab, err := newRecipients("example.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr  string
		class rcptClass
		box   string
	}{
		{"anyone@example.org", rcptLocal, "anyone@example.org"},
		{"postmaster", rcptLocal, "postmaster@example.org"},
		{"../x@example.org", rcptUnknown, ""},
		{"a/b@example.org", rcptUnknown, ""},
		{".hidden@example.org", rcptUnknown, ""},
		{"tab\there@example.org", rcptUnknown, ""},
		{"x@other.test", rcptForeign, ""},
	} {
		class, box := tab.lookup(tc.addr)
		if class != tc.class || box != tc.box {
			t.Errorf("lookup(%q) = %v, %q; want %v, %q", tc.addr, class, box, tc.class, tc.box)
		}
	}
}

func TestRecipientsErrors(t *testing.T) {
	for _, tc := range []struct {
		domains, file string
	}{
		{"exa mple.org", ""},
		{"example.org", "bob"},
		{"example.org", "bob@"},
		{"example.org", "../bob@example.org"},
		{"example.org", "bob smith@example.org"},
		{"example.org", "bob@-bad-.org"},
	} {
		_, err := newRecipients(tc.domains, strings.NewReader(tc.file))
		if !errors.Is(err, errMailboxSyntax) {
			t.Errorf("newRecipients(%q, %q) = %v, want errMailboxSyntax", tc.domains, tc.file, err)
		}
	}
}

// The mailbox file's size limit is a named error.
func TestRecipientsTooLarge(t *testing.T) {
	big := strings.Repeat("# padding padding padding padding padding padding padding\n", maxMailboxBytes/58+2)
	if _, err := newRecipients("example.org", strings.NewReader(big)); !errors.Is(err, errMailboxesLarge) {
		t.Errorf("a file over %d octets: %v, want errMailboxesLarge", maxMailboxBytes, err)
	}
}
