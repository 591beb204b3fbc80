module github.com/spamkit/spamkit/bench

go 1.26.8

require github.com/spamkit/spamkit v0.0.0

require (
	github.com/emersion/go-msgauth v0.7.0
	github.com/miekg/dns v1.1.73 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/spamkit/spamkit => ../
