package mime_test

import (
	"context"
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
	r, err := s.Scan(context.Background(), []byte(exampleMsg))
	if err != nil {
		fmt.Println("scan:", err)
		return
	}
	for _, p := range r.Parts {
		fmt.Printf("%s %s %q\n", p.Path, p.DeclaredType, p.Filename)
	}
	for _, f := range r.Findings {
		fmt.Println(f)
	}
	// Output:
	// 0 multipart/mixed ""
	// 1 text/plain ""
	// 2 application/octet-stream "invoice.pdf.js"
	// dangerous-extension at 2: "invoice.pdf.js": .js
	// double-extension at 2: "invoice.pdf.js": .pdf.js
}

func ExampleStrip() {
	msg := []byte(exampleMsg)
	r, _ := new(mime.Scanner).Scan(context.Background(), msg)
	// Strip what the default policy would strip even though it rejects
	// double extensions: a policy that only strips.
	d := mime.Policy{Reject: []mime.Kind{}}.Decide(r)
	fmt.Println(d)
	out, err := mime.Strip(msg, r, d.Match)
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
	r, _ := new(mime.Scanner).Scan(context.Background(), []byte(exampleMsg))
	fmt.Println(mime.Policy{}.Decide(r))
	fmt.Println(mime.Policy{Reject: []mime.Kind{}, Strip: []mime.Kind{}}.Decide(r))
	// Output:
	// reject (double-extension at 2)
	// accept
}
