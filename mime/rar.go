package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nwaples/rardecode/v2"
)

// walkRar lists a RAR archive (RAR 1.5 to 7) with
// github.com/nwaples/rardecode: entry names, sizes and encryption, from
// the headers only. Content is never decompressed: the library's PPMd
// model (RAR 3) allocates up to the size a header asks for, beyond any
// option, so decompression would make a tiny archive a memory bomb. The
// dictionary window the library allocates while listing is bounded by
// MaxPartBytes (rardecode.MaxDictionarySize).
func (st *state) walkRar(path string, data []byte, prefix string, depth int) {
	rr, err := rardecode.NewReader(bytes.NewReader(data), rardecode.MaxDictionarySize(st.maxPart))
	if err != nil {
		st.rarError(path, err)
		return
	}
	var encrypted []string
	n := 0
	for st.alive(path) {
		h, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			st.rarError(path, err)
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
		p := Part{Path: prefix + ":" + name, Depth: depth + 1, Filename: name, Encrypted: h.Encrypted, Size: max(h.UnPackedSize, 0)}
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
	if n > len(encrypted) {
		st.find(KindUnsupported, path, fmt.Sprintf("RAR: %d entries listed by name; their content is not decompressed", n-len(encrypted)), nil)
	}
}

// rarError reports an error of rardecode.
func (st *state) rarError(path string, err error) {
	switch {
	case errors.Is(err, rardecode.ErrArchiveEncrypted):
		st.find(KindEncrypted, path, "RAR with encrypted headers: names and content cannot be inspected", nil)
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		st.find(KindLimitPartBytes, path, fmt.Sprintf("RAR dictionary larger than %d bytes; listing stopped", st.maxPart), fmt.Errorf("%w: %w", ErrPartBytes, err))
	default:
		st.find(KindMalformed, path, err.Error(), fmt.Errorf("%w: %w", ErrMalformedArchive, err))
	}
}
