package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"aftersales/internal/config"
	"aftersales/internal/textan"
)

// textCmd is `aftersales text ...`: the text analytics commands.
func textCmd(ctx context.Context, env Env, args []string) error {
	return sub(ctx, env, args, "text", map[string]func(context.Context, Env, []string) error{
		"sentiment": func(ctx context.Context, env Env, args []string) error {
			return sub(ctx, env, args, "text sentiment", map[string]func(context.Context, Env, []string) error{
				"evaluate": sentimentEvaluate, "train": sentimentTrain})
		},
	})
}

// readSentiment reads a labelled file's texts with their labels read as
// negative or positive (textan.SentimentLabel); a label that is neither is
// an error naming its row.
func readSentiment(file, textCol, labelCol string) (texts, labels []string, skipped int, err error) {
	texts, raw, skipped, err := readLabelled(file, textCol, labelCol)
	if err != nil {
		return nil, nil, 0, err
	}
	labels = make([]string, len(raw))
	for i, l := range raw {
		s, ok := textan.SentimentLabel(l)
		if !ok {
			return nil, nil, 0, fmt.Errorf("--label: %s: labelled text %d has label %q: a sentiment label is 0/1, negative/positive or 负面/正面", file, i+1, l)
		}
		labels[i] = s
	}
	if len(texts) == 0 {
		return nil, nil, 0, fmt.Errorf("%s has no labelled texts", file)
	}
	return texts, labels, skipped, nil
}

// sentimentEvaluate is `aftersales text sentiment evaluate`: the held-out
// accuracy of the lexicon, the model and the stored combination on a
// labelled file, with the product's own code; nothing is stored.
func sentimentEvaluate(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("text sentiment evaluate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("file", "", "labelled CSV or XLSX file with a header row (required)")
	textCol := fs.String("text", "", "column holding the text (required)")
	labelCol := fs.String("label", "", "column holding the label: 0/1, negative/positive or 负面/正面 (required)")
	folds := fs.Int("folds", 5, "number of cross-validation folds (at least 2)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: aftersales text sentiment evaluate --file F.csv --text COLUMN --label COLUMN [--folds 5]")
		fmt.Fprintln(fs.Output(), "Prints the held-out accuracy of the lexicon, the model and their combination as JSON.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := labelledFlags("text sentiment evaluate", fs, *file, *textCol, *labelCol, *folds); err != nil {
		return err
	}
	texts, labels, skipped, err := readSentiment(*file, *textCol, *labelCol)
	if err != nil {
		return fmt.Errorf("text sentiment evaluate: %w", err)
	}
	seg := textan.NewSegmenter()
	e, err := textan.EvaluateSentiment(seg, textan.DefaultStopwords(), textan.DefaultLexicon(), texts, labels, *folds, textan.DefaultTrainConfig())
	if err != nil {
		return fmt.Errorf("text sentiment evaluate: %w", err)
	}
	return printJSON(env, struct {
		textan.SentimentEval
		Skipped int `json:"skipped"`
		Folds   int `json:"folds"`
	}{e, skipped, *folds})
}

// labelledFlags checks the flags every labelled-file command needs.
func labelledFlags(cmd string, fs *flag.FlagSet, file, textCol, labelCol string, folds int) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (the file goes in --file)", cmd, fs.Arg(0))
	}
	for _, r := range []struct{ name, v string }{{"file", file}, {"text", textCol}, {"label", labelCol}} {
		if r.v == "" {
			return fmt.Errorf("%s: --%s is required", cmd, r.name)
		}
	}
	if folds < 2 {
		return fmt.Errorf("%s: --folds %d: at least 2", cmd, folds)
	}
	return nil
}

// sentimentTrain is `aftersales text sentiment train`: a sentiment model
// trained on a labelled file (a public corpus to start from), scored on
// held-out folds, and stored as the next version; it becomes the active
// model unless it is worse than the active one.
func sentimentTrain(ctx context.Context, env Env, args []string) error {
	var file, textCol, labelCol, user string
	var folds int
	c, rest, err := config.Load("text sentiment train", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "labelled CSV or XLSX file with a header row (required)")
		fs.StringVar(&textCol, "text", "", "column holding the text (required)")
		fs.StringVar(&labelCol, "label", "", "column holding the label: 0/1, negative/positive or 负面/正面 (required)")
		fs.IntVar(&folds, "folds", 5, "number of cross-validation folds (at least 2)")
		fs.StringVar(&user, "user", "", "train as this staff user (default: the administrator)")
	})
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	_ = fs.Parse(rest)
	if err := labelledFlags("text sentiment train", fs, file, textCol, labelCol, folds); err != nil {
		return fmt.Errorf("%w\nusage: aftersales text sentiment train --file F.csv --text COLUMN --label COLUMN [--folds 5]", err)
	}
	texts, labels, skipped, err := readSentiment(file, textCol, labelCol)
	if err != nil {
		return fmt.Errorf("text sentiment train: %w", err)
	}
	db, ctx, err := openAs(ctx, c, env, user)
	if err != nil {
		return fmt.Errorf("text sentiment train: %w", err)
	}
	defer db.Close()
	m, err := db.TrainSentimentFile(ctx, texts, labels, folds)
	if err != nil {
		return fmt.Errorf("text sentiment train: %w", err)
	}
	return printJSON(env, struct {
		Model   any `json:"model"`
		Skipped int `json:"skipped"`
	}{m, skipped})
}

func printJSON(env Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
