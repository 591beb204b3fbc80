package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func names(ms []message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestSplitFile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // message texts
	}{
		{"plain message", "Subject: a\n\nFrom here on\n", []string{"Subject: a\n\nFrom here on\n"}},
		{"mbox of one", "From a@b Mon Jan  6 10:00:00 2025\nSubject: a\n\nx\n", []string{"From a@b Mon Jan  6 10:00:00 2025\nSubject: a\n\nx\n"}},
		{"mbox of three, From in body not after an empty line",
			"From a Mon\nSubject: 1\n\nbody\nFrom inside\n\nFrom b Tue\nSubject: 2\n\n>From quoted\n>>From twice\n\nFrom c Wed\r\nSubject: 3\r\n\r\nz",
			[]string{"From a Mon\nSubject: 1\n\nbody\nFrom inside\n\n", "From b Tue\nSubject: 2\n\nFrom quoted\n>From twice\n\n", "From c Wed\r\nSubject: 3\r\n\r\nz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitFile("f", []byte(tt.in))
			if len(got) != len(tt.want) {
				t.Fatalf("splitFile = %d messages %q, want %d", len(got), names(got), len(tt.want))
			}
			for i, m := range got {
				if string(m.Data) != tt.want[i] {
					t.Errorf("message %d = %q, want %q", i, m.Data, tt.want[i])
				}
				wantName := "f"
				if len(tt.want) > 1 {
					wantName = "f#" + string(rune('1'+i))
				}
				if m.Name != wantName {
					t.Errorf("message %d name = %q, want %q", i, m.Name, wantName)
				}
			}
		})
	}
}

func TestReadInputs(t *testing.T) {
	dir := t.TempDir()
	// A Maildir: cur and new are read, tmp and dot files are not.
	md := filepath.Join(dir, "Maildir")
	write(t, filepath.Join(md, "cur", "1:2,S"), "Subject: cur\n\n")
	write(t, filepath.Join(md, "new", "2"), "Subject: new\n\n")
	write(t, filepath.Join(md, "tmp", "3"), "Subject: tmp\n\n")
	write(t, filepath.Join(md, "cur", ".hidden"), "x")
	// A directory tree, with an mbox inside.
	tree := filepath.Join(dir, "tree")
	write(t, filepath.Join(tree, "a.eml"), "Subject: a\n\n")
	write(t, filepath.Join(tree, "sub", "b.mbox"), "From x\nSubject: b1\n\nFrom y\nSubject: b2\n\n")
	write(t, filepath.Join(tree, ".git", "c"), "x")
	file := filepath.Join(dir, "one.eml")
	write(t, file, "Subject: one\n\n")

	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string
	}{
		{"maildir", []string{md}, "", []string{filepath.Join(md, "cur", "1:2,S"), filepath.Join(md, "new", "2")}},
		{"directory tree", []string{tree}, "", []string{filepath.Join(tree, "a.eml"), filepath.Join(tree, "sub", "b.mbox") + "#1", filepath.Join(tree, "sub", "b.mbox") + "#2"}},
		{"file and stdin", []string{file, "-"}, "Subject: in\n\n", []string{file, "stdin"}},
		{"no argument is stdin", nil, "From a\n\nFrom b\n\n", []string{"stdin#1", "stdin#2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readInputs(tt.args, strings.NewReader(tt.stdin))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names(got), "|") != strings.Join(tt.want, "|") {
				t.Errorf("readInputs(%q) = %q, want %q", tt.args, names(got), tt.want)
			}
		})
	}
	if _, err := readInputs([]string{filepath.Join(dir, "missing")}, nil); err == nil {
		t.Error("readInputs(missing file): no error")
	}
}
