package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"aftersales/internal/dataio"
	"aftersales/internal/textan"
)

// classifyEvaluate is `aftersales classify evaluate`: stratified k-fold
// cross-validation of the text classifier on a labelled file, with the
// product's own training code and default configuration.
func classifyEvaluate(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("classify evaluate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("file", "", "labelled CSV or XLSX file with a header row (required)")
	textCol := fs.String("text", "", "column holding the text (required)")
	labelCol := fs.String("label", "", "column holding the label (required)")
	folds := fs.Int("folds", 5, "number of cross-validation folds (at least 2)")
	seed := fs.Uint64("seed", 1, "seed of the fold assignment and the training order")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: aftersales classify evaluate --file F.csv --text COLUMN --label COLUMN [--folds 5] [--seed N]")
		fmt.Fprintln(fs.Output(), "Prints accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix as JSON.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := labelledFlags("classify evaluate", fs, *file, *textCol, *labelCol, *folds); err != nil {
		return err
	}
	texts, labels, skipped, err := readLabelled(*file, *textCol, *labelCol)
	if err != nil {
		return fmt.Errorf("classify evaluate: %w", err)
	}
	if len(texts) < *folds {
		return fmt.Errorf("classify evaluate: %s has %d labelled texts, fewer than --folds %d", *file, len(texts), *folds)
	}
	cfg := textan.DefaultTrainConfig()
	cfg.Seed = *seed
	m, err := textan.CrossValidate(textan.NewSegmenter(), textan.DefaultStopwords(), texts, labels, *folds, cfg)
	if err != nil {
		return fmt.Errorf("classify evaluate: %w", err)
	}
	out := struct {
		textan.Metrics
		Skipped int                `json:"skipped"`
		Folds   int                `json:"folds"`
		Seed    uint64             `json:"seed"`
		Config  textan.TrainConfig `json:"config"`
	}{m, skipped, *folds, *seed, cfg}
	return printJSON(env, out)
}

// readLabelled reads the text and label columns of a table. Rows whose text
// or label is empty (after trimming) are skipped and counted.
func readLabelled(path, textCol, labelCol string) (texts, labels []string, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	src, err := dataio.Open(f, dataio.Format{})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	defer src.Close()
	header := src.Header()
	find := func(flagName, col string) (int, error) {
		for i, h := range header {
			if strings.TrimSpace(h) == col {
				return i, nil
			}
		}
		return -1, fmt.Errorf("--%s: %s has no column %q (columns: %s)", flagName, path, col, strings.Join(header, ", "))
	}
	ti, err := find("text", textCol)
	if err != nil {
		return nil, nil, 0, err
	}
	li, err := find("label", labelCol)
	if err != nil {
		return nil, nil, 0, err
	}
	for {
		line, row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *dataio.RowError
		if errors.As(err, &rowErr) {
			skipped++
			continue
		}
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		var t, l string
		if ti < len(row) {
			t = strings.TrimSpace(row[ti])
		}
		if li < len(row) {
			l = strings.TrimSpace(row[li])
		}
		if t == "" || l == "" {
			skipped++
			continue
		}
		texts = append(texts, t)
		labels = append(labels, l)
	}
	return texts, labels, skipped, nil
}
