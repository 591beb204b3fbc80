// Package rbltest builds the DNS lists, message headers and HTML bodies
// that the tests and benchmarks of package rbl and of the bench module
// use, so that both measure the same inputs.
package rbltest

import (
	"fmt"
	"strings"
)

// ListedIP is listed with code 127.0.0.2 (and a TXT reason) on every list
// of Zone; CleanIP is listed on none (NXDOMAIN).
const (
	ListedIP = "192.0.2.1"
	CleanIP  = "192.0.2.200"
)

// ZoneName returns the zone of list i of Zone: "l<i>.bl.test".
func ZoneName(i int) string { return fmt.Sprintf("l%d.bl.test", i) }

// Zone returns a master file, with absolute names and an SOA so that
// negative answers are cached, for n IP lists l0.bl.test … l<n-1>.bl.test:
// each lists ListedIP as 127.0.0.2 with a TXT reason, and has the
// RFC 5782 §5 test entry 127.0.0.2. Serve it with Origin "bl.test.".
func Zone(n int) string {
	var b strings.Builder
	b.WriteString("$TTL 3600\nbl.test. IN SOA ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 3600\n")
	for i := range n {
		z := ZoneName(i)
		fmt.Fprintf(&b, "2.0.0.127.%s. IN A 127.0.0.2\n", z)
		fmt.Fprintf(&b, "1.2.0.192.%s. IN A 127.0.0.2\n", z)
		fmt.Fprintf(&b, "1.2.0.192.%s. IN TXT \"listed by %s: https://%s/lookup?ip=192.0.2.1\"\n", z, z, z)
	}
	return b.String()
}

// Lists returns n lists of Zone in postscreen_dnsbl_sites syntax, each
// counting codes 127.0.0.[2..11] with weight 1.
func Lists(n int) string {
	var s []string
	for i := range n {
		s = append(s, ZoneName(i)+"=127.0.0.[2..11]")
	}
	return strings.Join(s, " ")
}

// Received is the header block of a message that went through six hops,
// newest first, in the formats of Postfix, Exim, Sendmail, Microsoft
// Exchange and Gmail; the public relays are 203.0.113.7, 198.51.100.23,
// 2001:db8:5::25 and 192.0.2.44 (a HELO literal that is not the real
// address, 192.0.2.45, is a trap).
const Received = "Return-Path: <bounce@news.example.net>\r\n" +
	"Received: from mx.example.org (localhost [127.0.0.1])\r\n" +
	"\tby mx.example.org (Postfix) with ESMTP id 4Xy1z2\r\n" +
	"\tfor <rcpt@example.org>; Sun, 01 Nov 2026 11:59:58 +0000 (UTC)\r\n" +
	"Received: from out7.mailer.example.net (out7.mailer.example.net [203.0.113.7])\r\n" +
	"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n" +
	"\t(No client certificate requested)\r\n" +
	"\tby mx.example.org (Postfix) with ESMTPS id 4Xy1z1\r\n" +
	"\tfor <rcpt@example.org>; Sun, 01 Nov 2026 11:59:57 +0000 (UTC)\r\n" +
	"Received: from [10.1.2.3] (helo=app.internal)\r\n" +
	"\tby out7.mailer.example.net with esmtpa (Exim 4.97)\r\n" +
	"\t(envelope-from <bounce@news.example.net>) id 1tAbCd-000123-Ef; Sun, 01 Nov 2026 11:59:56 +0000\r\n" +
	"Received: from relay.example.net ([198.51.100.23] helo=relay.example.net)\r\n" +
	"\tby app.internal with esmtps (TLS1.3) (Exim 4.97) id 1tAbCc-0000Zz-Aa;\r\n" +
	"\tSun, 01 Nov 2026 11:59:55 +0000\r\n" +
	"Received: from EX01.corp.example.net (2001:db8:5::25) by\r\n" +
	"\tEX02.corp.example.net (2001:db8:5::26) with Microsoft SMTP Server\r\n" +
	"\t(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.4;\r\n" +
	"\tSun, 1 Nov 2026 11:59:54 +0000\r\n" +
	"Received: from [192.0.2.44] (client.example.com [192.0.2.45])\r\n" +
	"\tby relay.example.net (8.17.1/8.17.1) with ESMTP id 5A1BxYz1012345;\r\n" +
	"\tSun, 1 Nov 2026 11:59:53 GMT\r\n" +
	"Received: by 2002:a05:6000:1a8d:b0:3f1:2b7a:9c0e with SMTP id w13csp123456wrp;\r\n" +
	"\tSun, 1 Nov 2026 03:59:52 -0800 (PST)\r\n" +
	"From: News <news@news.example.net>\r\n" +
	"To: rcpt@example.org\r\n" +
	"Subject: This week's offers\r\n" +
	"\r\n"

// HTML returns a newsletter-like HTML body of at least size bytes: table
// layout with inline styles, tracked links (href), images and a tracking
// pixel (src), bare URLs and www. names in text, mailto links, and now
// and then an obfuscated URL ("hxxp://", "[.]"). Its distinct URLs number
// about size/1000 (the paths repeat), among about 40 hosts.
func HTML(size int) []byte {
	var b strings.Builder
	b.Grow(size + 4096)
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Weekly offers</title>` +
		`<style>body{font-family:Arial,sans-serif;color:#333}.btn{background:#e4002b;color:#fff;padding:12px 24px}</style>` +
		"</head><body style=\"margin:0;padding:0\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">\n")
	hosts := []string{"shop.example.com", "cdn.example-static.net", "click.mailer.example.net", "www.example.org",
		"images.example.co.uk", "track.example.io", "promo.example.biz", "blog.example.com"}
	for i := 0; b.Len() < size; i++ {
		h := hosts[i%len(hosts)]
		sub := fmt.Sprintf("s%d.%s", i%5, h)
		id := i % (size/1000 + 1)
		fmt.Fprintf(&b, "<tr><td style=\"padding:20px 30px;border-bottom:1px solid #eee\">\n"+
			"<a href=\"https://%s/c/%d?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=w44\" style=\"text-decoration:none\">"+
			"<img src=\"https://cdn.example-static.net/img/product-%d.jpg\" width=\"560\" height=\"280\" alt=\"Product %d\" style=\"display:block;border:0\"></a>\n"+
			"<h2 style=\"font-size:22px;margin:16px 0 8px\">Deal number %d: save up to %d%% this week</h2>\n"+
			"<p style=\"font-size:15px;line-height:22px\">Our customers loved this one. Lorem ipsum dolor sit amet, consectetur adipiscing elit, "+
			"sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "+
			"laboris nisi ut aliquip ex ea commodo consequat. Details at www.%s/deal/%d or write to <a href=\"mailto:offers@%s\">offers@%s</a>.</p>\n"+
			"<p><a class=\"btn\" href=\"http://%s/buy/%d\">Buy now</a></p>\n",
			h, id, id%50, id, i, 10+i%60, h, id, h, h, sub, id)
		if i%20 == 0 {
			fmt.Fprintf(&b, "<p style=\"color:#999;font-size:11px\">Not working? Paste hxxp://verify%d[.]example[.]net/login into your browser.</p>\n", id%7)
		}
		if i%10 == 0 {
			fmt.Fprintf(&b, "<img src=\"https://track.example.io/open/%d.gif\" width=\"1\" height=\"1\" alt=\"\">\n", id)
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</table>\n<p style=\"font-size:11px\">Unsubscribe: https://click.mailer.example.net/unsub?u=abc123</p></body></html>\n")
	return []byte(b.String())
}

// FoldedReceived returns a header block whose one Received field is
// folded over n continuation lines (RFC 5322 §2.2.3), the TCP-info with
// the relay's address, 192.0.2.7, on the last: the input that shows
// whether unfolding is linear.
func FoldedReceived(n int) []byte {
	return []byte("Received: from mail.example.net\r\n" + strings.Repeat("\t x\r\n", n) +
		"\t(mail.example.net [192.0.2.7]) by mx.example.org\r\n\r\n")
}

// LinkFlood returns a body of n links to one harmless host,
// http://ok.example/?<i>, that differ only in the query string,
// followed by a link to spamURL: the URL budget evasion, where the
// flood fills a budget counted in URLs and pushes spamURL's host out.
func LinkFlood(n int, spamURL string) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "http://ok.example/?%d ", i)
	}
	fmt.Fprintf(&b, `<a href="%s">win</a>`, spamURL)
	return []byte(b.String())
}
