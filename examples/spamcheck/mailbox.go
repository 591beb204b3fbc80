package main

import (
	"bytes"
	"net/mail"
	"os"
	"strings"

	"github.com/spamkit/spamkit/internal/header"
	"github.com/spamkit/spamkit/internal/mailbox"
	"github.com/spamkit/spamkit/rbl"
)

// readInputs reads the messages of args (message files, mbox files of
// format, Maildirs, directories, "-" for standard input; see package
// internal/mailbox) with the envelope env; a message's own header
// supplies what env lacks: the client from its newest Received field
// (rbl.ReceivedParser), MAIL FROM from Return-Path, else from the mbox
// From_ line (unless fromSet).
func readInputs(args []string, env input, fromSet bool, format mailbox.Format) ([]*input, error) {
	var inputs []*input
	r := &mailbox.Reader{Format: format}
	err := r.Walk(args, os.Stdin, func(m mailbox.Message) error {
		in := env
		in.Name, in.Message = m.Name, m.Data
		_, body, _ := header.Split(m.Data)
		if !in.IP.IsValid() {
			if relays := (&rbl.ReceivedParser{}).Relays(m.Data[:body]); len(relays.IPs) > 0 {
				in.IP = relays.IPs[0]
			}
		}
		if !fromSet {
			in.MailFrom = returnPath(m.Data[:body])
			if in.MailFrom == "" && m.From != "" {
				// RFC 4155: the From_ line names the envelope sender.
				if sender, _, _ := strings.Cut(m.From, " "); sender != "MAILER-DAEMON" {
					in.MailFrom = sender
				}
			}
		}
		inputs = append(inputs, &in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, errNoMessages
	}
	return inputs, nil
}

// returnPath returns the address of the header's first Return-Path
// field, "" for none or the null path.
func returnPath(hdr []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(append(bytes.Clone(hdr), "\r\n"...)))
	if err != nil {
		return ""
	}
	v := strings.TrimSpace(m.Header.Get("Return-Path"))
	return strings.TrimSpace(strings.Trim(v, "<>"))
}
