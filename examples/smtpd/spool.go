package main

import (
	"bytes"
	"io"
	"os"
)

// spool holds one message while it is received and checked: in memory
// up to memMax octets, then in a temporary file of dir (the message is
// never held twice: past memMax the memory copy moves to the file). The
// headers smtpd adds go in front of it at delivery, so the message is
// written once more, to its destination, and never rewritten.
type spool struct {
	dir    string
	memMax int
	mem    bytes.Buffer
	f      *os.File
	n      int64
}

// defaultSpoolMem is how much of a message a spool keeps in memory.
const defaultSpoolMem = 64 << 10

// Write appends p.
func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && s.mem.Len()+len(p) > s.memMax {
		f, err := os.CreateTemp(s.dir, "smtpd-spool-*")
		if err != nil {
			return 0, err
		}
		// Unlinked at once: the file goes away with its last
		// descriptor, whatever happens to smtpd.
		os.Remove(f.Name())
		s.f = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	var n int
	var err error
	if s.f != nil {
		n, err = s.f.Write(p)
	} else {
		n, err = s.mem.Write(p)
	}
	s.n += int64(n)
	return n, err
}

// Size returns the number of octets written.
func (s *spool) Size() int64 { return s.n }

// Reader returns a reader of the whole message from its start; each call
// returns a new one.
func (s *spool) Reader() io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, 0, s.n)
	}
	return bytes.NewReader(s.mem.Bytes())
}

// Close releases the spool.
func (s *spool) Close() error {
	s.mem = bytes.Buffer{}
	if s.f != nil {
		err := s.f.Close()
		s.f = nil
		return err
	}
	return nil
}
