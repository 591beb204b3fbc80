package greylist

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxListLine bounds one line of a list file read by ParseClientList
// and ParseAddressList: a longer line is an error (wrapping
// ErrLineTooLong) and ends the read.
const MaxListLine = 64 << 10

// LineError is a list file line that could not be read.
type LineError struct {
	// Line is the line number, from 1.
	Line int
	// Text is the line without its comment and surrounding space.
	Text string
	// Err wraps ErrSyntax.
	Err error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns e.Err.
func (e *LineError) Unwrap() error { return e.Err }

// ParseClientList reads a list in the syntax of postgrey's
// whitelist_clients file: one entry per line (see ClientList.Add), "#"
// to the end of a line is a comment, blank lines are skipped.
//
// As postgrey, it keeps going past a line it cannot read: it returns the
// list of every entry it could read and, beside it, an error joining one
// *LineError per line it could not, so that a site switching from
// postgrey can log them and carry on. A read error or a line over
// MaxListLine ends the read and is returned too.
func ParseClientList(r io.Reader) (*ClientList, error) {
	l := new(ClientList)
	err := readList(r, l.Add)
	return l, err
}

// ParseAddressList reads a list in the syntax of postgrey's
// whitelist_recipients file: one entry per line (see AddressList.Add),
// "#" to the end of a line is a comment, blank lines are skipped. Errors
// are reported as by ParseClientList.
func ParseAddressList(r io.Reader) (*AddressList, error) {
	l := new(AddressList)
	err := readList(r, l.Add)
	return l, err
}

func readList(r io.Reader, add func(string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxListLine)
	var errs []error
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := add(line); err != nil {
			errs = append(errs, &LineError{Line: n, Text: line, Err: err})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("%w: line %d over %d octets", ErrLineTooLong, n+1, MaxListLine)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
