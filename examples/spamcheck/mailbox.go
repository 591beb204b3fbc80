package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/rbl"
)

// readInputs reads the messages of args (message files, mbox files,
// Maildirs, directories) with the envelope env; a message's own header
// supplies what env lacks: the client from its newest Received field
// (rbl.ReceivedParser), MAIL FROM from Return-Path (unless fromSet).
func readInputs(args []string, env input, fromSet bool) ([]*input, error) {
	var inputs []*input
	add := func(name string, msg []byte) {
		in := env
		in.Name, in.Message = name, msg
		_, body, _ := header.Split(msg)
		if !in.IP.IsValid() {
			if relays := (&rbl.ReceivedParser{}).Relays(msg[:body]); len(relays.IPs) > 0 {
				in.IP = relays.IPs[0]
			}
		}
		if !fromSet {
			in.MailFrom = returnPath(msg[:body])
		}
		inputs = append(inputs, &in)
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if err := readFile(arg, add); err != nil {
				return nil, err
			}
			continue
		}
		var files []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "tmp" && isMaildir(filepath.Dir(path)) {
				return filepath.SkipDir // a Maildir's messages being delivered
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if err := readFile(f, add); err != nil {
				return nil, err
			}
		}
	}
	if len(inputs) == 0 {
		return nil, errNoMessages
	}
	return inputs, nil
}

// readFile reads one file: an mbox (it starts with a "From " line) gives
// its messages, named file#1, file#2...; any other file is one message.
func readFile(name string, add func(string, []byte)) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("From ")) {
		add(name, b)
		return nil
	}
	msgs := splitMbox(b)
	if len(msgs) == 1 {
		add(name, msgs[0])
		return nil
	}
	for i, m := range msgs {
		add(fmt.Sprintf("%s#%d", name, i+1), m)
	}
	return nil
}

// isMaildir reports whether dir has the cur or new of a Maildir.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// splitMbox splits an mbox (RFC 4155): a message starts at each "From "
// line that begins the file or follows an empty line; the From_ line is
// dropped, and the mboxrd quoting of body lines (">From ", ">>From "...)
// is undone by one ">". The empty line before a From_ line belongs to the
// mbox, not to the message.
func splitMbox(b []byte) [][]byte {
	var msgs [][]byte
	var cur []byte
	in := false
	prevEmpty := true
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
		}
		b = b[len(line):]
		if prevEmpty && bytes.HasPrefix(line, []byte("From ")) {
			if in {
				msgs = append(msgs, trimSeparator(cur))
			}
			cur, in = nil, true
			prevEmpty = false
			continue
		}
		if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
			line = line[1:]
		}
		cur = append(cur, line...)
		prevEmpty = len(bytes.TrimRight(line, "\r\n")) == 0
	}
	if in {
		msgs = append(msgs, trimSeparator(cur)) // the mbox ends with an empty line too
	}
	return msgs
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

// returnPath returns the address of the header's first Return-Path
// field, "" for none or the null path.
func returnPath(hdr []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(append(bytes.Clone(hdr), "\r\n"...)))
	if err != nil {
		return ""
	}
	v := strings.TrimSpace(m.Header.Get("Return-Path"))
	return strings.TrimSpace(strings.Trim(v, "<>"))
}
