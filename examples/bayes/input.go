package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// maxInput bounds one input file (a message or an mbox) read into memory.
const maxInput = 256 << 20

// errInputTooLarge is returned for an input file over maxInput.
var errInputTooLarge = errors.New("input larger than 256 MiB")

// message is one message read from an input, named for reports.
type message struct {
	Name string
	Data []byte
}

// readInputs returns the messages of each argument: "-" is standard input
// (one message, or an mbox when it starts with a "From " line), a
// directory is a Maildir (its cur and new) when it has cur/ or new/,
// otherwise every regular file under it in name order, and a file is one
// message or an mbox. No argument means standard input.
func readInputs(args []string, stdin io.Reader) ([]message, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var out []message
	for _, a := range args {
		ms, err := readInput(a, stdin)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

func readInput(path string, stdin io.Reader) ([]message, error) {
	if path == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, maxInput+1))
		if err != nil {
			return nil, fmt.Errorf("stdin: %w", err)
		}
		if len(b) > maxInput {
			return nil, fmt.Errorf("stdin: %w", errInputTooLarge)
		}
		return splitFile("stdin", b), nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return readFile(path)
	}
	if isMaildir(path) {
		var out []message
		for _, sub := range []string{"cur", "new"} {
			ms, err := readDir(filepath.Join(path, sub), false)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			out = append(out, ms...)
		}
		return out, nil
	}
	return readDir(path, true)
}

// isMaildir reports whether dir has a cur or new subdirectory.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// readDir reads the regular files of dir (recursively when recurse, in
// lexical order), skipping dot files.
func readDir(dir string, recurse bool) ([]message, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && len(d.Name()) > 0 && d.Name()[0] == '.' {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && !recurse {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []message
	for _, p := range paths {
		ms, err := readFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

func readFile(path string) ([]message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s: %w", path, errInputTooLarge)
	}
	return splitFile(path, b), nil
}

// splitFile returns the messages of one file: an mbox (it starts with a
// "From " line) gives one message per "From " line that starts the file
// or follows an empty line, named path#1, path#2...; mboxrd quoting
// (">From ", ">>From "...) loses one '>'. Other files are one message.
// An mbox of one message keeps its plain name.
func splitFile(name string, b []byte) []message {
	if !bytes.HasPrefix(b, []byte("From ")) {
		return []message{{Name: name, Data: b}}
	}
	var starts []int
	prevEmpty := true
	for i := 0; i < len(b); {
		end := bytes.IndexByte(b[i:], '\n')
		line := b[i:]
		if end >= 0 {
			line = b[i : i+end+1]
		}
		if prevEmpty && bytes.HasPrefix(line, []byte("From ")) {
			starts = append(starts, i)
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		prevEmpty = len(trimmed) == 0
		i += len(line)
	}
	var out []message
	for k, s := range starts {
		e := len(b)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		n := name
		if len(starts) > 1 {
			n = fmt.Sprintf("%s#%d", name, k+1)
		}
		out = append(out, message{Name: n, Data: unquoteFrom(b[s:e])})
	}
	return out
}

// unquoteFrom removes one '>' from body lines of the form ">...>From "
// (mboxrd), returning msg itself when it has none.
func unquoteFrom(msg []byte) []byte {
	if !bytes.Contains(msg, []byte(">From ")) {
		return msg
	}
	var out []byte
	for i := 0; i < len(msg); {
		end := bytes.IndexByte(msg[i:], '\n')
		line := msg[i:]
		if end >= 0 {
			line = msg[i : i+end+1]
		}
		j := 0
		for j < len(line) && line[j] == '>' {
			j++
		}
		if j > 0 && bytes.HasPrefix(line[j:], []byte("From ")) {
			line = line[1:]
		}
		out = append(out, line...)
		i += end + 1
		if end < 0 {
			break
		}
	}
	return out
}
