module github.com/spamkit/spamkit/bench

go 1.26.8

require github.com/spamkit/spamkit v0.0.0

replace github.com/spamkit/spamkit => ../
