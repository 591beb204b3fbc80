package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spamkit/spamkit/bayes"
	"github.com/spamkit/spamkit/bayes/boltstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "bayes")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := boltstore.Open(filepath.Join(dir, "bayes.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()
	c := &bayes.Classifier{Store: s, MinSpam: -1, MinHam: -1} // no minimum of training, for the example
	// When Train returns, the training is on disk.
	t, _ := c.Train(ctx, bayes.Spam, []byte("Subject: prize\r\n\r\nclaim your prize now\r\n"))
	t, _ = c.Train(ctx, bayes.Ham, []byte("Subject: minutes\r\n\r\nminutes of the meeting\r\n"))
	fmt.Println(t.Spam, t.Ham)
	o, _ := c.Classify(ctx, []byte("Subject: prize\r\n\r\nyour prize\r\n"))
	fmt.Println(o.Result)
	// Output:
	// 1 1
	// spam
}
