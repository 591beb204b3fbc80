package bayes_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spamkit/spamkit/bayes"
)

func Example() {
	ctx := context.Background()
	var c bayes.Classifier // bogofilter's parameters, an in-memory store
	// Classified below 200 spams and 200 hams, the Outcome would be
	// Unsure with ErrUntrained (SpamAssassin's minimum): for the sake of
	// the example, no minimum.
	c.MinSpam, c.MinHam = -1, -1
	for _, m := range []string{
		"Subject: Cheap pills\r\n\r\nBuy cheap pills online now\r\n",
		"Subject: Best prices\r\n\r\nOrder cheap meds online, limited offer\r\n",
	} {
		c.Train(ctx, bayes.Spam, []byte(m))
	}
	for _, m := range []string{
		"Subject: Meeting notes\r\n\r\nNotes from the budget meeting\r\n",
		"Subject: Lunch\r\n\r\nLunch tomorrow to discuss the budget?\r\n",
	} {
		c.Train(ctx, bayes.Ham, []byte(m))
	}
	o, err := c.Classify(ctx, []byte("Subject: cheap offer\r\n\r\nbuy cheap meds now\r\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %.4f\n", o.Result, o.Score)
	for _, clue := range o.Clues[:2] {
		fmt.Printf("%s %.4f\n", clue.Token, clue.F)
	}
	// Output:
	// spam 1.0000
	// cheap 0.9958
	// subj:cheap 0.9916
}

// ExampleClassifier_Begin feeds a message in chunks, as a milter gets
// it.
func ExampleClassifier_Begin() {
	ctx := context.Background()
	c := bayes.Classifier{MinSpam: -1, MinHam: -1} // no minimum of training, for the example
	c.Train(ctx, bayes.Spam, []byte("Subject: prize\r\n\r\nyou won a prize, claim it now\r\n"))
	c.Train(ctx, bayes.Ham, []byte("Subject: minutes\r\n\r\nminutes of the board meeting\r\n"))
	s := c.Begin(ctx)
	for _, chunk := range []string{"Subject: prize\r\n", "\r\n", "claim your prize now\r\n"} {
		s.Write([]byte(chunk))
	}
	o, _ := s.Close()
	fmt.Println(o.Result)
	// Output: spam
}

// ExampleTokenizer shows the tokens of a Japanese message: character
// bigrams of the kanji and kana, the Subject's with its prefix.
func ExampleTokenizer() {
	var tk bayes.Tokenizer
	msg := "Subject: =?UTF-8?B?54Sh5paZ55m76Yyy?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n今すぐ登録\r\n"
	toks := tk.Tokenize(context.Background(), []byte(msg))
	fmt.Println(strings.Join(toks.List, " "))
	// Output: subj:無料 subj:料登 subj:登録 ct:text ct:plain ct:charset ct:utf-8 type:text/plain 今す すぐ ぐ登 登録
}

// ExampleWriteDump moves a bogofilter word list (bogoutil -d) into a
// store and writes it in this package's dump format.
func ExampleWriteDump() {
	ctx := context.Background()
	s := bayes.NewMemStore()
	dump := ".MSG_COUNT 12 30 20240101\nViagra 11 0 20240101\nsubj:Meeting 0 9 20240101\n"
	if _, err := bayes.Import(ctx, s, strings.NewReader(dump), bayes.FormatBogofilter); err != nil {
		fmt.Println(err)
		return
	}
	// One token per store here, so that the output's order is fixed.
	one := bayes.NewMemStore()
	one.Put(ctx, []bayes.Entry{{Token: "viagra", Count: bayes.Count{Spam: 11, Day: bayes.Day(mustDate("2024-01-01"))}}})
	one.SetTotals(ctx, bayes.Totals{Spam: 12, Ham: 30})
	bayes.WriteDump(ctx, os.Stdout, one)
	fmt.Println(s.Len(), "tokens imported")
	// Output:
	// # spamkit bayes dump 1
	// totals 12 30
	// 11 0 19723 viagra
	// 4 tokens imported
}

func mustDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}
