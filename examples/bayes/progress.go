package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
)

// progress counts work done; a bar on a terminal, nothing elsewhere.
type progress interface {
	Add(n int)
	Finish()
}

type noProgress struct{}

func (noProgress) Add(int) {}
func (noProgress) Finish() {}

type barProgress struct{ b *progressbar.ProgressBar }

func (p barProgress) Add(n int) { _ = p.b.Add(n) }
func (p barProgress) Finish()   { _ = p.b.Finish() }

// minBar is the number of messages from which a bar is worth showing.
const minBar = 200

// newProgress returns a bar on w when w is a terminal, not quiet, and the
// work is long; otherwise nothing.
func newProgress(w io.Writer, quiet bool, total int, what string) progress {
	if quiet || total < minBar || !isTerminal(w) {
		return noProgress{}
	}
	return barProgress{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("msg"),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
