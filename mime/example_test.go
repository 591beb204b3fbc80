package mime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spamkit/spamkit/mime"
)

const exampleMsg = "From: billing@example.org\r\n" +
	"Subject: Invoice\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n" +
	"\r\n" +
	"--b\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"Please see the attached invoice.\r\n" +
	"--b\r\n" +
	"Content-Type: application/octet-stream; name=\"invoice.pdf.js\"\r\n" +
	"Content-Disposition: attachment; filename=\"invoice.pdf.js\"\r\n" +
	"\r\n" +
	"WScript.Echo(1)\r\n" +
	"--b--\r\n"

func ExampleScanner_Scan() {
	var s mime.Scanner // the zero value has the default limits
	r := s.Scan(context.Background(), []byte(exampleMsg))
	for _, p := range r.Parts {
		fmt.Printf("%s %s %q\n", p.Path, p.DeclaredType, p.Filename)
	}
	for _, f := range r.Findings {
		fmt.Println(f)
	}
	fmt.Printf("sha256 of part 2: %x\n", r.Parts[2].SHA256[:8])
	// Output:
	// 0 multipart/mixed ""
	// 1 text/plain ""
	// 2 application/octet-stream "invoice.pdf.js"
	// dangerous-extension at 2: "invoice.pdf.js": .js
	// double-extension at 2: "invoice.pdf.js": .pdf.js
	// sha256 of part 2: f384aeecea8c578f
}

func ExampleStrip() {
	msg := []byte(exampleMsg)
	r := new(mime.Scanner).Scan(context.Background(), msg)
	// Strip what the default policy would strip even though it rejects
	// double extensions: a policy that only strips.
	o := mime.Policy{Reject: []mime.Kind{}}.Decide(r)
	fmt.Println(o)
	out, err := mime.Strip(msg, r, o.Match)
	if err != nil {
		fmt.Println("strip:", err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n"))
	// Output:
	// strip (dangerous-extension at 2)
	// From: billing@example.org
	// Subject: Invoice
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary="b"
	//
	// --b
	// Content-Type: text/plain
	//
	// Please see the attached invoice.
	// --b
	// Content-Type: text/plain; charset=us-ascii
	// Content-Disposition: inline
	// Content-Transfer-Encoding: 7bit
	//
	// The mail system removed this attachment as dangerous: "invoice.pdf.js".
	// --b--
}

func ExamplePolicy_Decide() {
	msg := []byte(exampleMsg)
	var s mime.Scanner
	r := s.Scan(context.Background(), msg)
	o := mime.Policy{}.Decide(r)
	fmt.Printf("%s: %s\n", o.Result, o.Reason())
	fmt.Println(mime.Policy{Reject: []mime.Kind{}, Strip: []mime.Kind{}}.Decide(r))

	// A scan its context cut short is no clean pass: the unread rest of
	// the message may hold anything. Err tells it from a verdict on the
	// content, for a temporary failure (451) rather than a 554.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o = mime.Policy{}.Decide(s.Scan(ctx, msg))
	fmt.Printf("%s: %s (temporary: %v)\n", o.Result, o.Reason(), errors.Is(o.Err, mime.ErrTime))
	// Output:
	// reject: double file name extension
	// accept
	// reject: scan timed out (temporary: true)
}

func ExampleText() {
	// An mbox message (its first line is skipped) with a text in
	// ISO-8859-1, quoted-printable, and its HTML alternative.
	msg := "From alice@example.org Thu Aug 22 13:03:00 2002\n" +
		"Subject: =?utf-8?q?Caf=C3=A9?=\n" +
		"Content-Type: multipart/alternative; boundary=a\n" +
		"\n" +
		"--a\n" +
		"Content-Type: text/plain; charset=iso-8859-1\n" +
		"Content-Transfer-Encoding: quoted-printable\n" +
		"\n" +
		"Caf=E9 cr=E8me: https://example.com/menu\n" +
		"--a\n" +
		"Content-Type: text/html; charset=utf-8\n" +
		"\n" +
		"<p>Café crème: <a href=\"https://example.com/menu\">menu</a></p>\n" +
		"--a--\n"
	r := new(mime.Scanner).Scan(context.Background(), []byte(msg))
	fmt.Println(r.Subject)
	for _, t := range r.Texts {
		fmt.Printf("%s %s %q\n", t.Path, t.Type, t.Body)
	}
	// Output:
	// Café
	// 1 text/plain "Café crème: https://example.com/menu"
	// 2 text/html "<p>Café crème: <a href=\"https://example.com/menu\">menu</a></p>"
}
