//go:build ignore

// gen.go signs the spamcheck demo samples and writes the demo's DKIM,
// DMARC and ARC key records (../zones/dkim.zone). Run it from the module
// root after changing a sample or a key:
//
//	go run ./examples/spamcheck/testdata/dkim/gen.go
//	go test ./examples/spamcheck/
//
// It signs with the TEST-ONLY keys beside it (made with `openssl genrsa
// 2048` and `openssl genpkey -algorithm ed25519`; they sign nothing
// real):
//
//   - samples/legit.eml: a valid signature by example.com (selector
//     demo2026, rsa-sha256), so DKIM and DMARC pass;
//   - samples/spam.eml: a signature by example.net (selector demo2026,
//     ed25519-sha256) made over a different body, as if replayed from
//     another message, so DKIM fails (body hash) and DMARC fails for
//     example.net, which publishes p=reject.
//
// example.org-arc2026.pem is the key the demo's mx.example.org seals ARC
// sets with (check_dkim.go embeds it). Signatures are dated 2026-11-01
// 11:59:50 UTC, before the demo clock (12:00), without x=. Existing
// DKIM-Signature fields are replaced; the rest of each sample is left
// byte for byte.
package main

import (
	"bytes"
	"crypto"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spamkit/spamkit/dkim"
)

const dir = "examples/spamcheck/testdata"

var signTime = time.Date(2026, 11, 1, 11, 59, 50, 0, time.UTC)

func main() {
	log.SetFlags(0)
	sign("samples/legit.eml", "example.com", "demo2026", "example.com-demo2026.pem", nil)
	sign("samples/spam.eml", "example.net", "demo2026", "example.net-demo2026.pem", func(body []byte) []byte {
		// The signature was made for another message of the campaign.
		return bytes.Replace(body, []byte("24 hours"), []byte("48 hours"), 1)
	})

	var zone strings.Builder
	zone.WriteString("; DKIM keys, DMARC policies and the ARC sealing key of the spamcheck\n")
	zone.WriteString("; demo, written by testdata/dkim/gen.go (do not edit by hand).\n\n")
	record(&zone, "demo2026._domainkey.example.com.", "example.com-demo2026.pem")
	record(&zone, "demo2026._domainkey.example.net.", "example.net-demo2026.pem")
	record(&zone, "arc2026._domainkey.example.org.", "example.org-arc2026.pem")
	zone.WriteString("_dmarc.example.com.  IN TXT \"v=DMARC1; p=reject; adkim=r; aspf=r; rua=mailto:dmarc@example.com\"\n")
	zone.WriteString("_dmarc.example.net.  IN TXT \"v=DMARC1; p=reject\"\n")
	if err := os.WriteFile(filepath.Join(dir, "zones", "dkim.zone"), []byte(zone.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}

func key(file string) crypto.Signer {
	b, err := os.ReadFile(filepath.Join(dir, "dkim", file))
	if err != nil {
		log.Fatal(err)
	}
	k, err := dkim.ParsePrivateKey(b)
	if err != nil {
		log.Fatalf("%s: %v", file, err)
	}
	return k
}

// sign replaces the DKIM-Signature of the sample with a new one, placed
// after the trace fields (Return-Path, Received) the receiving MTA added.
// alter, if not nil, changes the body that is signed.
func sign(sample, domain, selector, keyFile string, alter func([]byte) []byte) {
	path := filepath.Join(dir, sample)
	msg, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	nl := []byte("\n")
	if bytes.Contains(msg, []byte("\r\n")) {
		nl = []byte("\r\n")
	}
	sep := append(append([]byte{}, nl...), nl...)
	end := bytes.Index(msg, sep)
	if end < 0 {
		log.Fatalf("%s: no header/body separator", sample)
	}
	header, body := msg[:end+len(nl)], msg[end+len(sep):]
	// Split into fields, dropping old signatures.
	var fields [][]byte
	for _, line := range bytes.SplitAfter(header, nl) {
		if len(line) == 0 {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] = append(fields[len(fields)-1], line...)
			continue
		}
		fields = append(fields, append([]byte{}, line...))
	}
	fields = slicesDelete(fields, func(f []byte) bool { return bytes.HasPrefix(bytes.ToLower(f), []byte("dkim-signature:")) })
	trace := 0
	for trace < len(fields) && (bytes.HasPrefix(fields[trace], []byte("Return-Path:")) || bytes.HasPrefix(fields[trace], []byte("Received:"))) {
		trace++
	}
	signed := body
	if alter != nil {
		signed = alter(bytes.Clone(body))
	}
	var toSign bytes.Buffer
	for _, f := range fields[trace:] {
		toSign.Write(f)
	}
	toSign.Write(nl)
	toSign.Write(signed)
	s := &dkim.Signer{Domain: domain, Selector: selector, Key: key(keyFile), Now: func() time.Time { return signTime }}
	field, err := s.Sign(&toSign)
	if err != nil {
		log.Fatalf("%s: %v", sample, err)
	}
	if !bytes.Equal(nl, []byte("\r\n")) {
		field = strings.ReplaceAll(field, "\r\n", "\n")
	}
	var out bytes.Buffer
	for _, f := range fields[:trace] {
		out.Write(f)
	}
	out.WriteString(field)
	for _, f := range fields[trace:] {
		out.Write(f)
	}
	out.Write(nl)
	out.Write(body)
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("signed %s: d=%s s=%s\n", sample, domain, selector)
}

func slicesDelete(fields [][]byte, del func([]byte) bool) [][]byte {
	var out [][]byte
	for _, f := range fields {
		if !del(f) {
			out = append(out, f)
		}
	}
	return out
}

// record writes the key record of the key in file at name, in strings of
// at most 200 octets (RFC 1035 §3.3.14 allows 255).
func record(w *strings.Builder, name, file string) {
	txt, err := dkim.KeyRecord(key(file).Public())
	if err != nil {
		log.Fatal(err)
	}
	// One line, so that line-based readers (dkim/testdata/dkimpy.py) can
	// take the zone too.
	fmt.Fprintf(w, "%s IN TXT", name)
	for len(txt) > 0 {
		n := min(len(txt), 200)
		fmt.Fprintf(w, " \"%s\"", txt[:n])
		txt = txt[n:]
	}
	w.WriteString("\n")
}
