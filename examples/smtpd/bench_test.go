package main

import (
	"io"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
)

// BenchmarkSMTPD sends messages over one connection to smtpd (every
// check of the default flags on: rdns, SPF, DKIM, DMARC, ARC, MIME;
// DNS in-process and cached after the first message) delivering to a
// Maildir: the whole path, go-smtp's client and server included.
func BenchmarkSMTPD(b *testing.B) {
	in := startSMTPD(b)
	c, err := gosmtp.Dial(in.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.good.test"); err != nil {
		b.Fatal(err)
	}
	msg := "From: alice@good.test\r\nTo: bob@example.org\r\nSubject: benchmark\r\nMessage-ID: <1@good.test>\r\n\r\n" +
		strings.Repeat("A line of an ordinary message body, of ordinary length.\r\n", 60)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	cpu0 := cpuTime()
	for b.Loop() {
		if err := c.Mail("alice@good.test", nil); err != nil {
			b.Fatal(err)
		}
		if err := c.Rcpt("bob@example.org", nil); err != nil {
			b.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(w, msg)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
	}
}
