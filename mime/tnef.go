package mime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// TNEF, the Transport Neutral Encapsulation Format of Outlook and
// Exchange ([MS-OXTNEF]), sent as application/ms-tnef, usually named
// winmail.dat: a signature, a key, then attribute records, each a level
// (message or attachment), an ID, a length, the data and a checksum
// (§2.1.3.1). The attachments of the message are inside it; clients that
// do not read TNEF show one opaque attachment, Outlook shows the files.
// https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxtnef/

// tnefSignature is the TNEF stream signature, 0x223E9F78 little-endian
// ([MS-OXTNEF] §2.1.3.1).
const tnefSignature = "\x78\x9f\x3e\x22"

// TNEF attribute levels and IDs ([MS-OXTNEF] §2.1.3.2, §2.1.3.3): the
// ID's high word is the attribute's type, the low word its identifier.
const (
	tnefLevelMessage    = 0x01
	tnefLevelAttachment = 0x02

	attAttachRendData = 0x00069002 // starts each attachment
	attAttachTitle    = 0x00018010 // the file name, 8-bit, NUL-terminated
	attAttachData     = 0x0006800f // the file's content
	attAttachment     = 0x00069005 // the attachment's MAPI properties
)

// MAPI property IDs and types ([MS-OXPROPS], [MS-OXCDATA] §2.11.1).
const (
	pidAttachDataObject   = 0x3701 // PidTagAttachDataBinary / PidTagAttachDataObject
	pidAttachFilename     = 0x3704 // 8.3 name
	pidAttachLongFilename = 0x3707
	pidDisplayName        = 0x3001

	ptypString8 = 0x001e
	ptypString  = 0x001f
	ptypBinary  = 0x0102
	ptypObject  = 0x000d
	ptypMulti   = 0x1000
)

// iidIMessage is the interface ID that marks a PtypObject value as an
// embedded message, itself a TNEF stream ([MS-OXTNEF] §2.1.3.4.1).
var iidIMessage = []byte{0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// tnefAttachment is one attachment of a TNEF stream: slices of it.
type tnefAttachment struct {
	title    string // attAttachTitle
	longName string // PidTagAttachLongFilename (or PidTagAttachFilename)
	display  string // PidTagDisplayName
	data     []byte // attAttachData, or a binary PidTagAttachDataObject
	message  []byte // an embedded message: a TNEF stream
	hasData  bool
}

// name is the name Outlook saves the attachment under: the long file
// name, else the title, else the display name.
func (a tnefAttachment) name() string {
	for _, n := range []string{a.longName, a.title, a.display} {
		if n != "" {
			return n
		}
	}
	return "-"
}

// parseTNEF reads the attachments of the TNEF stream data, at most
// maxAtt of them (more sets over). Every length is checked against
// what remains of data; the attachments' content is slices of data.
// problem describes the first malformation met; reading stops at a
// record that does not fit.
func parseTNEF(data []byte, maxAtt int) (atts []tnefAttachment, over bool, problem string) {
	if len(data) < 6 || string(data[:4]) != tnefSignature {
		return nil, false, "TNEF: no signature"
	}
	bad := func(p string) {
		if problem == "" {
			problem = "TNEF: " + p
		}
	}
	// The legacy key follows the signature (§2.1.3.1).
	for off := 6; off < len(data); {
		if len(data)-off < 11 {
			bad(fmt.Sprintf("truncated attribute at offset %d", off))
			return atts, false, problem
		}
		level := data[off]
		id := binary.LittleEndian.Uint32(data[off+1:])
		n := binary.LittleEndian.Uint32(data[off+5:])
		if uint64(n) > uint64(len(data)-off-11) {
			bad(fmt.Sprintf("attribute 0x%08x at offset %d is %d bytes, %d remain", id, off, n, len(data)-off-11))
			return atts, false, problem
		}
		v := data[off+9 : off+9+int(n)]
		sum := binary.LittleEndian.Uint16(data[off+9+int(n):])
		off += 11 + int(n)
		var s uint16
		for _, c := range v {
			s += uint16(c)
		}
		if s != sum {
			bad(fmt.Sprintf("attribute 0x%08x: checksum mismatch", id))
		}
		if level != tnefLevelAttachment {
			if level != tnefLevelMessage {
				bad(fmt.Sprintf("attribute 0x%08x of level %d", id, level))
			}
			continue
		}
		if id == attAttachRendData {
			if len(atts) == maxAtt {
				return atts, true, problem
			}
			atts = append(atts, tnefAttachment{})
			continue
		}
		if len(atts) == 0 {
			// An attachment attribute before any attAttachRendData:
			// read as the first attachment's, as Exchange writes none
			// for some.
			atts = append(atts, tnefAttachment{})
		}
		a := &atts[len(atts)-1]
		switch id {
		case attAttachTitle:
			a.title = tnefString8(v)
		case attAttachData:
			a.data, a.hasData = v, true
		case attAttachment:
			if p := a.readProps(v); p != "" {
				bad(p)
			}
		}
	}
	return atts, false, problem
}

// readProps reads the MAPI properties of an attAttachment attribute
// ([MS-OXTNEF] §2.1.3.4: a count, then each property's tag, its name if
// named, and its values) for the names and the data.
func (a *tnefAttachment) readProps(v []byte) string {
	r := tnefReader{b: v}
	count := r.u32()
	if uint64(count) > uint64(len(v)/8) {
		return fmt.Sprintf("%d MAPI properties in %d bytes", count, len(v))
	}
	for range count {
		tag := r.u32()
		typ, id := tag&0xffff, tag>>16
		if id >= 0x8000 {
			// A named property: GUID, kind, then an ID or a name
			// (§2.1.3.4.1).
			r.skip(16)
			if r.u32() == 1 {
				r.skip(pad4(r.u32()))
			} else {
				r.skip(4)
			}
		}
		base := typ &^ ptypMulti
		switch base {
		case ptypString8, ptypString, ptypBinary, ptypObject:
			n := r.u32()
			if uint64(n) > uint64(r.left()/4) {
				return fmt.Sprintf("property 0x%08x claims %d values", tag, n)
			}
			for range n {
				size := r.u32()
				val := r.bytes(size)
				r.skip(pad4(size) - size)
				if r.err {
					break
				}
				a.prop(id, base, val)
			}
		default:
			size, ok := tnefFixedSize(base)
			if !ok {
				return fmt.Sprintf("property 0x%08x of unknown type", tag)
			}
			n := uint32(1)
			if typ&ptypMulti != 0 {
				n = r.u32()
			}
			if uint64(n)*uint64(pad4(size)) > uint64(r.left()) {
				return fmt.Sprintf("property 0x%08x does not fit", tag)
			}
			r.skip(n * pad4(size))
		}
		if r.err {
			return "MAPI properties overrun their attribute"
		}
	}
	return ""
}

// prop records a variable-length property value of the attachment.
func (a *tnefAttachment) prop(id, typ uint32, val []byte) {
	str := func() string {
		if typ == ptypString {
			return tnefUnicode(val)
		}
		return tnefString8(val)
	}
	switch id {
	case pidAttachLongFilename:
		a.longName = str()
	case pidAttachFilename:
		if a.longName == "" {
			a.longName = str()
		}
	case pidDisplayName:
		a.display = str()
	case pidAttachDataObject:
		switch {
		case typ == ptypObject && len(val) >= 16 && bytes.Equal(val[:16], iidIMessage):
			a.message = val[16:]
		case typ == ptypObject && len(val) >= 16:
			// IStorage or IStream: an OLE object, its data after the IID.
			if !a.hasData {
				a.data, a.hasData = val[16:], true
			}
		case typ == ptypBinary && !a.hasData:
			a.data, a.hasData = val, true
		}
	}
}

// tnefFixedSize returns the size of a fixed-length MAPI property type
// ([MS-OXCDATA] §2.11.1); TNEF pads each value to 4 bytes.
func tnefFixedSize(t uint32) (uint32, bool) {
	switch t {
	case 0x0001: // PtypNull
		return 0, true
	case 0x0002, 0x000b: // PtypInteger16, PtypBoolean
		return 2, true
	case 0x0003, 0x0004, 0x000a: // PtypInteger32, PtypFloating32, PtypErrorCode
		return 4, true
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // Floating64, Currency, FloatingTime, Integer64, Time
		return 8, true
	case 0x0048: // PtypGuid
		return 16, true
	}
	return 0, false
}

func pad4(n uint32) uint32 { return n + (4-n%4)%4 }

// maxTNEFName bounds a TNEF name, kept by its beginning and its end
// (where the extension is).
const maxTNEFName = 1024

// tnefString8 decodes an 8-bit TNEF string (NUL-terminated, in the
// message's code page: UTF-8 if valid, else windows-1252).
func tnefString8(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	if len(v) > maxTNEFName {
		v = append(append(bytes.Clone(v[:maxTNEFName/2]), "..."...), v[len(v)-maxTNEFName/2:]...)
	}
	s, _ := textUTF8(v, "", 4*maxTNEFName)
	return s
}

// tnefUnicode decodes a UTF-16LE TNEF string (PtypString).
func tnefUnicode(v []byte) string {
	u := make([]uint16, 0, min(len(v)/2, maxTNEFName))
	for i := 0; i+1 < len(v) && len(u) < maxTNEFName; i += 2 {
		c := binary.LittleEndian.Uint16(v[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	s := string(utf16.Decode(u))
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	return s
}

// tnefReader reads little-endian values from b, setting err instead of
// reading past its end.
type tnefReader struct {
	b   []byte
	off int
	err bool
}

func (r *tnefReader) left() int { return len(r.b) - r.off }

func (r *tnefReader) u32() uint32 {
	if r.left() < 4 {
		r.err, r.off = true, len(r.b)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *tnefReader) bytes(n uint32) []byte {
	if uint64(n) > uint64(r.left()) {
		r.err, r.off = true, len(r.b)
		return nil
	}
	v := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return v
}

func (r *tnefReader) skip(n uint32) { r.bytes(n) }

// walkTNEF inspects the attachments of the TNEF stream data held by the
// part at idx as nested parts named prefix:name; an embedded message is
// a nested part whose own attachments are nested in it.
func (st *state) walkTNEF(idx int, data []byte, prefix string, depth int) {
	path := st.report.Parts[idx].Path
	if depth >= st.maxDepth {
		st.find(KindLimitDepth, path, fmt.Sprintf("TNEF nested deeper than %d", st.maxDepth), ErrDepth)
		return
	}
	st.report.Parts[idx].Container = true
	atts, over, problem := parseTNEF(data, st.maxEntries)
	if problem != "" {
		st.find(KindMalformed, path, problem, fmt.Errorf("%w: %s", ErrMalformedArchive, problem))
	}
	if over {
		st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d TNEF attachments", st.maxEntries), ErrArchiveEntries)
	}
	for _, a := range atts {
		if !st.alive(path) {
			return
		}
		p := Part{Path: prefix + ":" + a.name(), Depth: depth + 1, Filename: a.name()}
		content := a.data
		if a.message != nil {
			content = a.message
		}
		n := len(st.report.Parts)
		st.entryBytes(p, content)
		if len(st.report.Parts) > n && st.report.Parts[n].Path == p.Path {
			for _, alt := range []string{a.title, a.longName} {
				if alt != "" && alt != p.Filename {
					st.checkName(p.Path, alt)
				}
			}
		}
	}
}
