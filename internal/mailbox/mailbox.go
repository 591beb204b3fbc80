// Package mailbox reads the messages of mail stores for the command-line
// examples: mbox files in their variants (RFC 4155 and the mboxo, mboxrd,
// mboxcl and mboxcl2 conventions), Maildirs (their new and cur, never
// tmp) and plain directories of message files, with bounded sizes.
//
// An mbox is a file that starts with a "From " line: each message starts
// at a "From " line that begins the file or follows an empty line (the
// From_ line, which is dropped from the message and kept in
// Message.From), and the empty line before the next From_ line belongs to
// the mbox, not to the message. Body lines that begin with "From " were
// quoted by the writer as the variant says, and are unquoted here:
//
//   - mboxrd (the default, Format MboxRD): every line matching ">*From "
//     was given one more '>'; one is removed;
//   - mboxo: "From " lines were given one '>' (and ">From " lines were
//     not, so the quoting is lossy); only ">From " loses its '>';
//   - mboxcl: quoted as mboxo, and a Content-Length field gives the
//     body's length, which ends the message when a From_ line (or the end
//     of the file) follows it there, so that an unquoted "From " line in
//     a body does not split the message;
//   - mboxcl2: Content-Length as mboxcl, no quoting at all.
//
// Any other file is one message, as it is.
package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/spamkit/spamkit/internal/header"
)

// Format is an mbox variant: how its writer quoted body lines that begin
// with "From " and whether it wrote Content-Length.
type Format uint8

// The mbox variants.
const (
	MboxRD  Format = iota // ">*From " lines lose one '>' (the default)
	MboxO                 // ">From " lines lose their '>'
	MboxCL                // Content-Length bounds the body; quoting as MboxO
	MboxCL2               // Content-Length bounds the body; no quoting
)

var formatNames = [...]string{"mboxrd", "mboxo", "mboxcl", "mboxcl2"}

// String returns the variant's name: "mboxrd", "mboxo", "mboxcl" or
// "mboxcl2".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// ParseFormat returns the Format named s (as String writes it; "" is
// MboxRD).
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return MboxRD, nil
	}
	for i, n := range formatNames {
		if s == n {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrFormat, s)
}

// Defaults of the Reader's limits.
const (
	DefaultMaxFileBytes = 256 << 20 // one file (a message or an mbox) read into memory
	DefaultMaxMessages  = 1 << 20   // messages of one Walk
)

// Errors.
var (
	// ErrFileTooLarge reports a file (or standard input) over
	// Reader.MaxFileBytes.
	ErrFileTooLarge = errors.New("mailbox: file larger than MaxFileBytes")
	// ErrTooManyMessages reports a Walk past Reader.MaxMessages.
	ErrTooManyMessages = errors.New("mailbox: more messages than MaxMessages")
	// ErrFormat reports an unknown mbox variant name.
	ErrFormat = errors.New("mailbox: unknown mbox format")
)

// Message is one message of a mail store.
type Message struct {
	// Name is the file's path; the Nth message of an mbox holding
	// several is "path#N".
	Name string
	// Data is the message: header, empty line, body, line ends as
	// stored; for an mbox message, without its From_ line and with the
	// variant's quoting undone.
	Data []byte
	// From is the text of the From_ line after "From " (the envelope
	// sender and a date, as the writer put them) without its line end;
	// "" for a message that is not from an mbox.
	From string
}

// Reader reads mail stores. Its zero value reads mboxrd files with the
// default limits.
type Reader struct {
	// Format is the variant of the mbox files read.
	Format Format
	// MaxFileBytes bounds a file read into memory (ErrFileTooLarge). If
	// zero, DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxMessages bounds the messages of one Walk (ErrTooManyMessages).
	// If zero, DefaultMaxMessages.
	MaxMessages int
}

func (r *Reader) maxFile() int64 {
	if r.MaxFileBytes > 0 {
		return r.MaxFileBytes
	}
	return DefaultMaxFileBytes
}

// Walk calls fn for each message of paths, in order: a directory is
// walked recursively in name order (entries whose names begin with a dot
// skipped, and the tmp directory of a Maildir, whose messages are still
// being delivered), a file is one message or an mbox, and "-" is standard
// input (stdin; read by ReadAll). It stops at fn's first error, which it
// returns.
func (r *Reader) Walk(paths []string, stdin io.Reader, fn func(Message) error) error {
	max := r.MaxMessages
	if max <= 0 {
		max = DefaultMaxMessages
	}
	n := 0
	emit := func(ms []Message) error {
		for _, m := range ms {
			if n++; n > max {
				return fmt.Errorf("%w (%d)", ErrTooManyMessages, max)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range paths {
		if p == "-" {
			ms, err := r.ReadAll("stdin", stdin)
			if err != nil {
				return err
			}
			if err := emit(ms); err != nil {
				return err
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			ms, err := r.ReadFile(p)
			if err != nil {
				return err
			}
			if err := emit(ms); err != nil {
				return err
			}
			continue
		}
		files, err := walkDir(p)
		if err != nil {
			return err
		}
		for _, f := range files {
			ms, err := r.ReadFile(f)
			if err != nil {
				return err
			}
			if err := emit(ms); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkDir returns the regular files under dir, in name order.
func walkDir(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && d.Name()[0] == '.' {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() && d.Name() == "tmp" && IsMaildir(filepath.Dir(path)) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// IsMaildir reports whether dir has the cur or new directory of a
// Maildir.
func IsMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// ReadFile reads the messages of one file: an mbox gives its messages, any
// other file is one message.
func (r *Reader) ReadFile(path string) ([]Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return r.ReadAll(path, f)
}

// ReadAll reads the messages of one input named name from rd, at most
// MaxFileBytes.
func (r *Reader) ReadAll(name string, rd io.Reader) ([]Message, error) {
	max := r.maxFile()
	b, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: %w (%d bytes)", name, ErrFileTooLarge, max)
	}
	if !IsMbox(b) {
		return []Message{{Name: name, Data: b}}, nil
	}
	ms := Split(b, r.Format)
	if len(ms) > 1 {
		for i := range ms {
			ms[i].Name = fmt.Sprintf("%s#%d", name, i+1)
		}
	} else {
		for i := range ms {
			ms[i].Name = name
		}
	}
	return ms, nil
}

// IsMbox reports whether b is an mbox: it starts with a "From " line.
func IsMbox(b []byte) bool { return bytes.HasPrefix(b, []byte("From ")) }

// Split splits the mbox b, written in variant f, into its messages (Name
// unset). Text before the first From_ line is no message.
func Split(b []byte, f Format) []Message {
	var out []Message
	prevEmpty := true
	for len(b) > 0 {
		fromLine := line(b)
		if !prevEmpty || !bytes.HasPrefix(fromLine, []byte("From ")) {
			// Text before the first From_ line: not an mbox message.
			b = b[len(fromLine):]
			prevEmpty = isEmpty(fromLine)
			continue
		}
		m := Message{From: string(bytes.TrimRight(fromLine[len("From "):], "\r\n"))}
		rest := b[len(fromLine):]
		data, next := -1, -1
		if f == MboxCL || f == MboxCL2 {
			data, next = byLength(rest)
		}
		if data >= 0 {
			m.Data = unquote(rest[:data], f)
		} else {
			next = nextFrom(rest)
			m.Data = unquote(trimSeparator(rest[:next]), f)
		}
		out = append(out, m)
		b = rest[next:]
		prevEmpty = true
	}
	return out
}

// line returns the first line of b with its LF (all of b if none).
func line(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return b
}

func isEmpty(l []byte) bool { return len(bytes.TrimRight(l, "\r\n")) == 0 }

// nextFrom returns where the next From_ line of b starts (a "From " line
// after an empty line), len(b) if none. b starts after a From_ line.
func nextFrom(b []byte) int {
	prevEmpty := false
	for i := 0; i < len(b); {
		l := line(b[i:])
		if prevEmpty && bytes.HasPrefix(l, []byte("From ")) {
			return i
		}
		prevEmpty = isEmpty(l)
		i += len(l)
	}
	return len(b)
}

// byLength returns where the message ends by its Content-Length (its
// header, then that many body octets) and where the next one starts
// (after an optional empty line), if a From_ line or the end of b
// follows there; -1, -1 otherwise.
func byLength(b []byte) (end, next int) {
	_, body, _ := header.Split(b)
	n := -1
	for i := 0; i < body; {
		l := line(b[i:body])
		i += len(l)
		name, value, ok := bytes.Cut(l, []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimRight(name, " \t"), []byte("Content-Length")) {
			continue
		}
		v, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil || v < 0 {
			return -1, -1
		}
		n = v
	}
	if n < 0 || n > len(b)-body {
		return -1, -1
	}
	end = body + n
	switch rest := b[end:]; {
	case len(rest) == 0, bytes.HasPrefix(rest, []byte("From ")):
		return end, end
	case isEmpty(line(rest)):
		next = end + len(line(rest))
		if next == len(b) || bytes.HasPrefix(b[next:], []byte("From ")) {
			return end, next
		}
	}
	return -1, -1
}

// trimSeparator drops the empty line that separates a message from the
// next From_ line.
func trimSeparator(m []byte) []byte {
	switch {
	case string(m) == "\n" || string(m) == "\r\n":
		return m[:0]
	case bytes.HasSuffix(m, []byte("\n\r\n")):
		return m[:len(m)-2]
	case bytes.HasSuffix(m, []byte("\n\n")):
		return m[:len(m)-1]
	}
	return m
}

// unquote undoes the variant's quoting of "From " lines; m itself when
// there is none.
func unquote(m []byte, f Format) []byte {
	if f == MboxCL2 || !bytes.Contains(m, []byte(">From ")) {
		return m
	}
	out := make([]byte, 0, len(m))
	for i := 0; i < len(m); {
		l := line(m[i:])
		i += len(l)
		q := bytes.TrimLeft(l, ">")
		switch {
		case f == MboxRD && len(q) < len(l) && bytes.HasPrefix(q, []byte("From ")):
			l = l[1:]
		case (f == MboxO || f == MboxCL) && bytes.HasPrefix(l, []byte(">From ")):
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}
