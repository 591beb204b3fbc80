package mime

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// Media types detected by magic number.
const (
	typePE      = "application/vnd.microsoft.portable-executable"
	typeDOS     = "application/x-dosexec"
	typeELF     = "application/x-elf"
	typeMachO   = "application/x-mach-binary"
	typeLNK     = "application/x-ms-shortcut"
	typeJava    = "application/java-vm"
	typeZip     = "application/zip"
	typeGzip    = "application/gzip"
	typeBzip2   = "application/x-bzip2"
	typeXz      = "application/x-xz"
	typeTar     = "application/x-tar"
	type7z      = "application/x-7z-compressed"
	typeRar     = "application/vnd.rar"
	typeOLE2    = "application/x-ole-storage"
	typePDF     = "application/pdf"
	typeRTF     = "text/rtf"
	typePNG     = "image/png"
	typeJPEG    = "image/jpeg"
	typeGIF     = "image/gif"
	typeISO     = "application/x-iso9660-image"
	typeTNEF    = "application/vnd.ms-tnef"
	typeHTML    = "text/html"
	typeText    = "text/plain"
	typeUnknown = ""
)

// sniff returns the media type of data by its magic number, or
// typeUnknown.
func sniff(data []byte) string {
	has := func(off int, magic string) bool {
		return len(data) >= off+len(magic) && string(data[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "MZ"):
		if len(data) >= 0x40 {
			off := int(binary.LittleEndian.Uint32(data[0x3C:]))
			if off >= 0x40 && off <= len(data)-4 && string(data[off:off+4]) == "PE\x00\x00" {
				return typePE
			}
			return typeDOS
		}
	case has(0, "\x7fELF"):
		return typeELF
	case has(0, "\xfe\xed\xfa\xce"), has(0, "\xfe\xed\xfa\xcf"), has(0, "\xce\xfa\xed\xfe"), has(0, "\xcf\xfa\xed\xfe"):
		return typeMachO
	case has(0, "\xca\xfe\xba\xbe"):
		// Mach-O universal binaries and Java classes share a magic; the
		// universal header counts a few architectures, a class file's
		// version is 45 or more.
		if len(data) >= 8 && binary.BigEndian.Uint32(data[4:]) < 20 {
			return typeMachO
		}
		return typeJava
	case has(0, "L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"):
		return typeLNK
	case has(0, "PK\x03\x04"), has(0, "PK\x05\x06"), has(0, "PK\x07\x08"):
		return typeZip
	case has(0, "\x1f\x8b"):
		return typeGzip
	case has(0, "BZh"):
		return typeBzip2
	case has(0, "\xfd7zXZ\x00"):
		return typeXz
	case has(0, "7z\xbc\xaf\x27\x1c"):
		return type7z
	case has(0, "Rar!\x1a\x07"):
		return typeRar
	case has(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return typeOLE2
	case has(0, "%PDF-"):
		return typePDF
	case has(0, "{\\rtf"):
		return typeRTF
	case has(0, "\x89PNG\r\n\x1a\n"):
		return typePNG
	case has(0, "\xff\xd8\xff"):
		return typeJPEG
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return typeGIF
	case has(257, "ustar"):
		return typeTar
	case has(0x8001, "CD001"):
		return typeISO
	case has(0, tnefSignature):
		return typeTNEF
	}
	return sniffText(data)
}

// sniffText tells HTML and plain text from binary data by the first
// 1024 bytes.
func sniffText(data []byte) string {
	head := data[:min(len(data), 1024)]
	if len(head) == 0 {
		return typeUnknown
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x0c && c != 0x1b {
			return typeUnknown
		}
	}
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<form", "<meta", "<div", "<table", "<a "} {
		if len(t) >= len(tag) && strings.EqualFold(string(t[:len(tag)]), tag) {
			return typeHTML
		}
	}
	return typeText
}

// family groups the media types that may legitimately stand for one
// another: a zip may be declared as any OOXML, OpenDocument or Java type.
func family(t string) string {
	switch t {
	case typePE, typeDOS, "application/x-msdownload", "application/x-msdos-program", "application/x-ms-dos-executable", "application/exe", "application/x-exe":
		return "exe"
	case typeELF, "application/x-executable", "application/x-sharedlib":
		return "elf"
	case typeMachO:
		return "macho"
	case typeZip, "application/x-zip-compressed", "application/x-zip", "application/java-archive", "application/epub+zip", "application/vnd.android.package-archive":
		return "zip"
	case typeGzip, "application/x-gzip", "application/x-gtar", "application/x-compressed-tar":
		return "gzip"
	case typeBzip2, "application/x-bzip":
		return "bzip2"
	case type7z:
		return "7z"
	case typeRar, "application/x-rar-compressed", "application/x-rar":
		return "rar"
	case typeTar:
		return "tar"
	case typeOLE2, "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/vnd.ms-outlook", "application/x-msi", "application/vnd.visio":
		return "ole2"
	case typePDF, "application/x-pdf":
		return "pdf"
	case typePNG:
		return "png"
	case typeJPEG, "image/jpg", "image/pjpeg":
		return "jpeg"
	case typeGIF:
		return "gif"
	case typeISO, "application/x-iso-image":
		return "iso"
	case typeLNK:
		return "lnk"
	case typeTNEF, "application/ms-tnef":
		return "tnef"
	}
	switch {
	case strings.HasPrefix(t, "application/vnd.openxmlformats-officedocument."),
		strings.HasPrefix(t, "application/vnd.oasis.opendocument."),
		strings.HasPrefix(t, "application/vnd.ms-") && strings.HasSuffix(t, ".macroenabled.12"):
		return "zip"
	}
	return ""
}

// extFamily maps a file name extension to the family its content should
// be.
var extFamily = map[string]string{
	"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif",
	"zip": "zip", "docx": "zip", "xlsx": "zip", "pptx": "zip", "docm": "zip", "xlsm": "zip", "pptm": "zip", "odt": "zip", "ods": "zip", "jar": "zip",
	"doc": "ole2", "xls": "ole2", "ppt": "ole2", "msi": "ole2",
	"gz": "gzip", "tgz": "gzip", "bz2": "bzip2", "7z": "7z", "rar": "rar", "tar": "tar", "iso": "iso",
	"exe": "exe", "dll": "exe", "scr": "exe", "lnk": "lnk",
}

// strongFamily reports whether detection of family f by magic number is
// reliable enough to contradict a declared type.
func strongFamily(f string) bool { return f != "" }

// isExecutable reports whether the detected type is a program.
func isExecutable(t string) bool {
	switch t {
	case typePE, typeDOS, typeELF, typeMachO, typeLNK:
		return true
	}
	return false
}

// vbaNames are the OLE2 directory entries of a VBA project ([MS-OVBA]
// §2.2: the VBA storage and its _VBA_PROJECT stream; Word's Macros and
// Excel's _VBA_PROJECT_CUR storages hold them).
var vbaNames = []string{"VBA", "_VBA_PROJECT", "_VBA_PROJECT_CUR", "Macros"}

// oleHasVBA reports whether an OLE2 compound file ([MS-CFB]) holds a VBA
// project. It reads the directory entries where [MS-CFB] §2.6 puts
// them, 128-byte records in sectors of the header's sector size, without
// following the FAT chains: any aligned record naming a VBA storage or
// stream counts.
func oleHasVBA(data []byte) bool {
	if len(data) < 512 {
		return false
	}
	shift := binary.LittleEndian.Uint16(data[0x1E:])
	if shift != 9 && shift != 12 {
		return false
	}
	for off := 1 << shift; off+128 <= len(data); off += 128 {
		e := data[off : off+128]
		nameLen := int(binary.LittleEndian.Uint16(e[64:]))
		objType := e[66]
		if nameLen < 4 || nameLen > 64 || nameLen%2 != 0 || (objType != 1 && objType != 2) {
			continue
		}
		u := make([]uint16, nameLen/2-1)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(e[2*i:])
		}
		name := string(utf16.Decode(u))
		for _, v := range vbaNames {
			if strings.EqualFold(name, v) {
				return true
			}
		}
	}
	return false
}

// activeHTML lists the active content of an HTML document: forms,
// scripts, frames, embedded objects, event handlers, javascript: URLs and
// meta refresh. It searches the whole document, a window of htmlWindow
// bytes at a time lowered into one buffer, the windows overlapping by
// htmlOverlap bytes so that a needle across their edge is seen.
func activeHTML(data []byte) []string {
	needles := []struct{ needle, name string }{
		{"<form", "form"}, {"<script", "script"}, {"<iframe", "iframe"}, {"<frame", "frame"},
		{"<object", "object"}, {"<embed", "embed"}, {"javascript:", "javascript: URL"},
		{"http-equiv=\"refresh\"", "meta refresh"}, {"http-equiv=refresh", "meta refresh"},
	}
	handlers := []string{"onload", "onerror", "onclick", "onmouseover", "onsubmit", "onfocus"}
	var seen [16]bool // needles, then handlers
	l := make([]byte, 0, min(len(data), htmlWindow+htmlOverlap))
	for off := 0; off < len(data) || off == 0; off += htmlWindow {
		w := data[off:min(len(data), off+htmlWindow+htmlOverlap)]
		l = l[:len(w)]
		for i, c := range w {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			l[i] = c
		}
		for i, m := range needles {
			seen[i] = seen[i] || bytes.Contains(l, []byte(m.needle))
		}
		for i, h := range handlers {
			seen[len(needles)+i] = seen[len(needles)+i] || hasHandler(l, h)
		}
		if off+htmlWindow >= len(data) {
			break
		}
	}
	var found []string
	for i, m := range needles {
		if seen[i] && (len(found) == 0 || found[len(found)-1] != m.name) {
			found = append(found, m.name)
		}
	}
	for i, h := range handlers {
		if seen[len(needles)+i] {
			found = append(found, h+" handler")
			break
		}
	}
	return found
}

// The window and overlap of activeHTML: the overlap holds the longest
// needle and a handler's white space before its "=".
const (
	htmlWindow  = 1 << 20
	htmlOverlap = 256
)

// hasHandler reports whether the lower-case HTML l has the event
// handler attribute h anywhere: h after white space, '/' or the quote
// ending the previous attribute value (browsers need no space there),
// then "=". Every occurrence counts, so a word such as "xonload" in the
// text before it does not hide it.
func hasHandler(l []byte, h string) bool {
	for off := 0; ; {
		i := bytes.Index(l[off:], []byte(h))
		if i < 0 {
			return false
		}
		i += off
		off = i + len(h)
		if i == 0 {
			continue
		}
		switch l[i-1] {
		case ' ', '\t', '\n', '\r', '\f', '/', '"', '\'':
		default:
			continue
		}
		rest := bytes.TrimLeft(l[off:], " \t\r\n\f")
		if len(rest) > 0 && rest[0] == '=' {
			return true
		}
	}
}
