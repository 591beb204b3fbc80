package mailbox

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		f    Format
		want []string // messages
		from []string // their From_ texts
	}{
		{"one", "From a@b Mon\nS: x\n\nbody\n", MboxRD, []string{"S: x\n\nbody\n"}, []string{"a@b Mon"}},
		{"two, separator dropped", "From a Mon\nS: x\n\nb1\n\nFrom b Tue\nS: y\n\nb2\n\n", MboxRD,
			[]string{"S: x\n\nb1\n", "S: y\n\nb2\n"}, []string{"a Mon", "b Tue"}},
		{"CRLF", "From a\r\nS: x\r\n\r\nb1\r\n\r\nFrom b\r\nS: y\r\n\r\nb2\r\n", MboxRD,
			[]string{"S: x\r\n\r\nb1\r\n", "S: y\r\n\r\nb2\r\n"}, []string{"a", "b"}},
		{"From inside a paragraph is no separator", "From a\nS: x\n\nsee\nFrom here on\n", MboxRD,
			[]string{"S: x\n\nsee\nFrom here on\n"}, []string{"a"}},
		{"mboxrd unquotes one level", "From a\nS: x\n\n>From me\n>>From you\n> From no\n", MboxRD,
			[]string{"S: x\n\nFrom me\n>From you\n> From no\n"}, []string{"a"}},
		{"mboxo unquotes >From only", "From a\nS: x\n\n>From me\n>>From you\n", MboxO,
			[]string{"S: x\n\nFrom me\n>>From you\n"}, []string{"a"}},
		{"mboxcl2 keeps quotes", "From a\nS: x\n\n>From me\n", MboxCL2,
			[]string{"S: x\n\n>From me\n"}, []string{"a"}},
		{"mboxcl2 Content-Length spans a From line", "From a\nContent-Length: 19\n\nhi\n\nFrom the start\n\nFrom b\nS: y\n\nz\n", MboxCL2,
			[]string{"Content-Length: 19\n\nhi\n\nFrom the start\n", "S: y\n\nz\n"}, []string{"a", "b"}},
		{"mboxcl bad Content-Length falls back to From_ lines", "From a\nContent-Length: 3\n\nhi\n\nFrom b\nS: y\n\nz\n", MboxCL,
			[]string{"Content-Length: 3\n\nhi\n", "S: y\n\nz\n"}, []string{"a", "b"}},
		{"mboxrd ignores Content-Length", "From a\nContent-Length: 19\n\nhi\n\nFrom the start\n", MboxRD,
			[]string{"Content-Length: 19\n\nhi\n", ""}, []string{"a", "the start"}},
		{"mboxcl2 Content-Length keeps a body's last empty line", "From a\nContent-Length: 4\n\nhi\n\nFrom b\n\nz\n", MboxCL2,
			[]string{"Content-Length: 4\n\nhi\n\n", "\nz\n"}, []string{"a", "b"}},
		{"text before the first From_ line", "junk\n\nFrom a\nS: x\n", MboxRD, []string{"S: x\n"}, []string{"a"}},
		{"empty messages", "From \n\nFrom \n", MboxRD, []string{"", ""}, []string{"", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := Split([]byte(tc.in), tc.f)
			var got, from []string
			for _, m := range ms {
				got = append(got, string(m.Data))
				from = append(from, m.From)
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(from, tc.from) {
				t.Errorf("Split(%q, %s) = %q from %q, want %q from %q", tc.in, tc.f, got, from, tc.want, tc.from)
			}
		})
	}
}

// write makes the files of a test tree under dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWalk: a Maildir's new and cur (not tmp, not dot files or Maildir++
// folders), a directory's files in name order, an mbox's messages named
// path#N, a one-message mbox by its path, standard input.
func TestWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"md/new/1":       "S: new\n\n1\n",
		"md/cur/2:2,S":   "S: cur\n\n2\n",
		"md/tmp/3":       "S: tmp\n\n3\n",
		"md/.Sent/cur/4": "S: folder\n\n4\n",
		"md/.hidden":     "x",
		"plain/b.eml":    "S: b\n\nb\n",
		"plain/a/a.eml":  "S: a\n\na\n",
		"box.mbox":       "From x\nS: m1\n\n1\n\nFrom y\nS: m2\n\n2\n",
		"one.mbox":       "From x\nS: only\n\n1\n",
	})
	var names []string
	r := &Reader{}
	err := r.Walk([]string{filepath.Join(dir, "md"), filepath.Join(dir, "plain"), filepath.Join(dir, "box.mbox"), filepath.Join(dir, "one.mbox"), "-"},
		strings.NewReader("S: stdin\n\nx\n"), func(m Message) error {
			names = append(names, strings.TrimPrefix(filepath.ToSlash(strings.TrimPrefix(m.Name, dir)), "/"))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"md/cur/2:2,S", "md/new/1", "plain/a/a.eml", "plain/b.eml", "box.mbox#1", "box.mbox#2", "one.mbox", "stdin"}
	if !slices.Equal(names, want) {
		t.Errorf("Walk = %q, want %q", names, want)
	}
	// fn's error stops the walk.
	stop := errors.New("stop")
	n := 0
	if err := r.Walk([]string{filepath.Join(dir, "plain")}, nil, func(Message) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Walk with a failing fn = %v after %d messages, want stop after 1", err, n)
	}
}

// TestLimits: a file over MaxFileBytes and a walk over MaxMessages are
// refused with their sentinels.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"big": strings.Repeat("x", 100), "box": "From a\n\n1\n\nFrom b\n\n2\n\nFrom c\n\n3\n"})
	r := &Reader{MaxFileBytes: 99}
	if _, err := r.ReadFile(filepath.Join(dir, "big")); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("ReadFile over MaxFileBytes: %v, want ErrFileTooLarge", err)
	}
	if _, err := r.ReadAll("stdin", strings.NewReader(strings.Repeat("y", 100))); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("ReadAll over MaxFileBytes: %v, want ErrFileTooLarge", err)
	}
	r = &Reader{MaxMessages: 2}
	n := 0
	if err := r.Walk([]string{filepath.Join(dir, "box")}, nil, func(Message) error { n++; return nil }); !errors.Is(err, ErrTooManyMessages) || n != 2 {
		t.Errorf("Walk over MaxMessages: %v after %d, want ErrTooManyMessages after 2", err, n)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{MboxRD, MboxO, MboxCL, MboxCL2} {
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f, g, err)
		}
	}
	if _, err := ParseFormat("maildir"); !errors.Is(err, ErrFormat) {
		t.Errorf("ParseFormat(maildir) = %v, want ErrFormat", err)
	}
}
