package policy

import (
	"bufio"
	"bytes"
	"io"
)

// Limits bound what one request may hold. The zero value gives the
// defaults; a Limits is read-only once in use.
type Limits struct {
	// MaxLineBytes bounds one attribute line, name, "=" and value, not
	// counting the newline. If zero, 8192 (Postfix's own requests stay
	// far below: its longest values are addresses, names and certificate
	// subjects, each bounded by smtpd's line_length_limit of 2048).
	MaxLineBytes int
	// MaxAttributes bounds the attributes of one request. If zero, 128
	// (Postfix 3.7 sends about 40).
	MaxAttributes int
	// MaxRequestBytes bounds one request, newlines included, and also
	// what the reader will skip of a malformed request looking for its
	// end. If zero, 65536.
	MaxRequestBytes int
}

func (l Limits) maxLine() int {
	if l.MaxLineBytes > 0 {
		return l.MaxLineBytes
	}
	return 8192
}

func (l Limits) maxAttrs() int {
	if l.MaxAttributes > 0 {
		return l.MaxAttributes
	}
	return 128
}

func (l Limits) maxRequest() int {
	if l.MaxRequestBytes > 0 {
		return l.MaxRequestBytes
	}
	return 65536
}

// Attr is one attribute of a request.
type Attr struct {
	Name, Value string
}

// Request is one policy delegation request: its attributes in the order
// they came. Its methods are safe for concurrent use; a Request is not
// changed after it is read.
type Request struct {
	attrs []Attr
}

// NewRequest returns a request of the given attributes, for tests and
// for handlers called without a connection.
func NewRequest(attrs ...Attr) Request { return Request{attrs: append([]Attr(nil), attrs...)} }

// Attrs returns the attributes in the order they came. The slice must
// not be changed.
func (r Request) Attrs() []Attr { return r.attrs }

// Lookup returns the value of the named attribute and whether the
// request has it.
func (r Request) Lookup(name string) (string, bool) {
	for _, a := range r.attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Get returns the value of the named attribute, "" if the request does
// not have it (Postfix sends empty values too: sender= for the null
// sender).
func (r Request) Get(name string) string {
	v, _ := r.Lookup(name)
	return v
}

// Reader reads requests from one connection. It is not safe for
// concurrent use.
type Reader struct {
	br    *bufio.Reader
	lim   Limits
	buf   []byte // the attribute lines of the request being read
	marks []mark // where each attribute is in buf
}

type mark struct{ start, eq, end int }

// NewReader returns a Reader of r with the given limits.
func NewReader(r io.Reader, lim Limits) *Reader {
	size := lim.maxLine() + 2 // a full line and its CRLF fit
	if size < 4096 {
		size = 4096
	}
	return &Reader{br: bufio.NewReaderSize(r, size), lim: lim}
}

// Peek waits until the first octet of the next request arrives (or the
// connection fails or ends) without consuming it.
func (r *Reader) Peek() error {
	_, err := r.br.Peek(1)
	return err
}

// ReadRequest reads the next request: name=value lines ending with an
// empty line (SMTPD_POLICY_README, "Protocol description"). A line may
// end in LF or CRLF. It returns io.EOF when the connection ends cleanly
// between requests. A malformed request gives a *RequestError wrapping
// ErrSyntax, ErrLineTooLong, ErrTooManyAttributes, ErrRequestTooLarge or
// ErrTruncated; when its Synced is set, the rest of the bad request was
// read and dropped, and the next request can be read. Other errors are
// the connection's.
func (r *Reader) ReadRequest() (Request, error) {
	maxLine, maxAttrs, maxReq := r.lim.maxLine(), r.lim.maxAttrs(), r.lim.maxRequest()
	r.buf, r.marks = r.buf[:0], r.marks[:0]
	var (
		bad     error // the first defect of the request
		badLine int
		total   int // octets of the request read so far
	)
	for line := 1; ; line++ {
		l, n, long, err := r.readLine(maxLine, maxReq-total)
		total += n
		if err != nil {
			if err == io.EOF && line == 1 && total == 0 {
				return Request{}, io.EOF
			}
			switch err {
			case io.EOF, io.ErrUnexpectedEOF:
				if bad == nil {
					bad, badLine = ErrTruncated, line
				}
			case ErrRequestTooLarge:
				if bad == nil {
					bad, badLine = ErrRequestTooLarge, line
					if long {
						bad = ErrLineTooLong
					}
				}
			default:
				return Request{}, err
			}
			return Request{}, &RequestError{Line: badLine, Err: bad}
		}
		if total > maxReq {
			if bad == nil {
				bad, badLine = ErrRequestTooLarge, line
			}
			return Request{}, &RequestError{Line: badLine, Err: bad}
		}
		if long {
			if bad == nil {
				bad, badLine = ErrLineTooLong, line
			}
			continue
		}
		if len(l) == 0 {
			break
		}
		if bad != nil {
			continue
		}
		if len(r.marks) == maxAttrs {
			bad, badLine = ErrTooManyAttributes, line
			continue
		}
		eq := bytes.IndexByte(l, '=')
		if eq <= 0 || !validName(l[:eq]) || bytes.IndexByte(l[eq+1:], 0) >= 0 || r.seen(l[:eq]) {
			bad, badLine = ErrSyntax, line
			continue
		}
		start := len(r.buf)
		r.buf = append(r.buf, l...)
		r.marks = append(r.marks, mark{start, start + eq, len(r.buf)})
	}
	if bad != nil {
		return Request{}, &RequestError{Line: badLine, Err: bad, Synced: true}
	}
	s := string(r.buf)
	attrs := make([]Attr, len(r.marks))
	for i, m := range r.marks {
		attrs[i] = Attr{Name: s[m.start:m.eq], Value: s[m.eq+1 : m.end]}
	}
	return Request{attrs: attrs}, nil
}

// readLine reads one line and returns it without its LF or CRLF, and
// the octets it took from the connection. A line longer than maxLine is
// skipped to its end: long is then set (and l is nil). At most budget
// octets are read for the line; past it the error is
// ErrRequestTooLarge. A line cut by the end of the connection is
// io.ErrUnexpectedEOF.
func (r *Reader) readLine(maxLine, budget int) (l []byte, n int, long bool, err error) {
	l, err = r.br.ReadSlice('\n')
	n = len(l)
	switch {
	case err == nil:
		l = l[:len(l)-1]
		if k := len(l); k > 0 && l[k-1] == '\r' {
			l = l[:k-1]
		}
		if len(l) > maxLine {
			return nil, n, true, nil
		}
		return l, n, false, nil
	case err == bufio.ErrBufferFull:
		for err == bufio.ErrBufferFull {
			if n > budget {
				return nil, n, true, ErrRequestTooLarge
			}
			l, err = r.br.ReadSlice('\n')
			n += len(l)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, n, true, err
	case err == io.EOF && n > 0:
		return nil, n, false, io.ErrUnexpectedEOF
	}
	return nil, n, false, err
}

// seen reports whether the request being read already has the name.
func (r *Reader) seen(name []byte) bool {
	for _, m := range r.marks {
		if m.eq-m.start == len(name) && string(r.buf[m.start:m.eq]) == string(name) {
			return true
		}
	}
	return false
}

// validName reports whether name is printable ASCII without spaces.
// Postfix's names are lower-case letters, digits and "_"; the protocol
// leaves the set open.
func validName(name []byte) bool {
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
