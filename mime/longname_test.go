package mime

import (
	"context"
	"strings"
	"testing"
)

// TestLongFieldNameDoesNotHidePart checks that a line starting with a
// field name too long for any line (RFC 5322 §2.1.1), in a message or a
// part header, is skipped as malformed by the module's header rule and
// the fields below it are still read: a Content-Type naming an .exe below
// such a line must be found, not read as body text.
func TestLongFieldNameDoesNotHidePart(t *testing.T) {
	junk := strings.Repeat("X", 1200) + ": v\r\n"
	for name, msg := range map[string]string{
		"part": "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\n" + junk +
			"Content-Type: application/octet-stream; name=evil.exe\r\n\r\nMZ\r\n--B--\r\n",
		"message": junk + "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\n" +
			"Content-Type: application/octet-stream; name=evil.exe\r\n\r\nMZ\r\n--B--\r\n",
	} {
		var s Scanner
		r := s.Scan(context.Background(), []byte(msg))
		if !r.Has(KindDangerousExtension) {
			t.Errorf("%s: Scan found no %s below a %d-octet field name:\n%s", name, KindDangerousExtension, len(junk), r)
		}
		if o := (Policy{}).Decide(r); o.Result == ActionAccept {
			t.Errorf("%s: Decide = %s, want the .exe stripped or the message rejected", name, o.Result)
		}
	}
}
