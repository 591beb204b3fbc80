package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nwaples/rardecode/v2"
)

// KindLimitDictionary: an archive whose decompressor would allocate a
// dictionary larger than MaxDictionary (or than the share of
// MaxHeldBytes left for it), or one whose memory cannot be bounded
// before decoding (RAR 1.5 to 4, whose PPMd model size is set by the
// compressed data); its content is not inspected. Err is ErrDictionary.
// Like every limit it is unchecked content: Policy strips the part by
// default.
const KindLimitDictionary Kind = "limit-dictionary"

// rar5Magic starts a RAR 5.0 archive; "Rar!\x1a\x07\x00" starts the
// RAR 1.5 to 4 format.
const rar5Magic = "Rar!\x1a\x07\x01\x00"

// dictionary returns the largest dictionary a decompressor may allocate
// now: MaxDictionary, within half of what MaxHeldBytes leaves.
func (st *state) dictionary() int64 {
	return max(0, min(st.s.maxDictionary(), (st.maxHeld-st.held)/2))
}

// walkRar lists and inspects a RAR archive (RAR 1.5 to 7) with
// github.com/nwaples/rardecode: entry names, sizes and encryption from
// the headers, and the content of RAR 5 archives, decompressed under
// the limits. The window rardecode allocates (in Next, for listing too)
// is bounded by the dictionary an entry declares (and by its size, if
// not solid) and refused above st.dictionary(), which is counted as
// held while the archive is read. RAR 1.5 to 4 content is not
// decompressed: the RAR 3 PPMd model is allocated at the size the
// compressed data asks for (up to 256 MiB), which no option bounds and
// no header tells.
func (st *state) walkRar(path string, data []byte, prefix string, depth int) {
	dict := st.dictionary()
	rr, err := rardecode.NewReader(bytes.NewReader(data), rardecode.MaxDictionarySize(dict))
	if err != nil {
		st.rarError(path, err, dict)
		return
	}
	st.held += dict
	defer func() { st.held -= dict }()
	rar5 := bytes.HasPrefix(data, []byte(rar5Magic))
	var encrypted []string
	n := 0
	for st.alive(path) {
		h, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			st.rarError(path, err, dict)
			break
		}
		if h.IsDir {
			continue
		}
		n++
		if n > st.maxEntries {
			st.find(KindLimitArchiveEntries, path, fmt.Sprintf("more than %d entries", st.maxEntries), ErrArchiveEntries)
			break
		}
		name := strings.ToValidUTF8(h.Name, "\uFFFD")
		p := Part{Path: prefix + ":" + name, Depth: depth + 1, Filename: name}
		if rar5 && !h.Encrypted {
			packed := min(max(h.PackedSize, 0), int64(len(data)))
			m := &meter{r: rr, st: st, max: st.ratioMax(packed)}
			st.entry(m, m, p, min(max(h.UnPackedSize, 0), 1<<30))
			continue
		}
		p.Encrypted, p.Size = h.Encrypted, max(h.UnPackedSize, 0)
		if st.addPart(p) < 0 {
			return
		}
		st.checkName(p.Path, name)
		if h.Encrypted {
			encrypted = append(encrypted, name)
		}
	}
	if len(encrypted) > 0 {
		st.find(KindEncrypted, path, fmt.Sprintf("%d of %d entries encrypted, cannot inspect: %s", len(encrypted), n, strings.Join(encrypted[:min(len(encrypted), 3)], ", ")), nil)
	}
	if !rar5 && n > len(encrypted) {
		st.find(KindLimitDictionary, path, fmt.Sprintf("RAR 1.5-4 format: %d entries listed by name; their content is not decompressed (its PPMd model size, up to 256 MiB, cannot be bounded before decoding)", n-len(encrypted)), ErrDictionary)
	}
}

// rarError reports an error of rardecode.
func (st *state) rarError(path string, err error, dict int64) {
	switch {
	case errors.Is(err, rardecode.ErrArchiveEncrypted):
		st.find(KindEncrypted, path, "RAR with encrypted headers: names and content cannot be inspected", nil)
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		st.find(KindLimitDictionary, path, fmt.Sprintf("RAR dictionary larger than %d bytes; listing and inspection stopped", dict), fmt.Errorf("%w: %w", ErrDictionary, err))
	default:
		st.find(KindMalformed, path, err.Error(), fmt.Errorf("%w: %w", ErrMalformedArchive, err))
	}
}
