package app

import (
	"context"
	"flag"
	"fmt"
	"os"

	"aftersales"
	"aftersales/internal/config"
	"aftersales/internal/dataio"
)

// dictionaryImport is `aftersales dictionary import --file F`: seeds the
// domain dictionary from a CSV or XLSX file, all or nothing; each error
// names its line. Running instances take the words at their next text run
// (the configuration stamp changes).
func dictionaryImport(ctx context.Context, env Env, args []string) error {
	var file, user string
	c, rest, err := config.Load("dictionary import", false, args, env.Getenv, env.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "CSV or XLSX with the columns word, kind (product, model, fault, service), freq, note (or 词语, 类型, 词频, 备注)")
		fs.StringVar(&user, "user", "", "import as this staff user (default: the administrator)")
	})
	if err != nil {
		return err
	}
	if file == "" || len(rest) != 0 {
		return fmt.Errorf("usage: aftersales dictionary import --file F.csv|F.xlsx")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	words, lines, err := dataio.ReadDictionary(f)
	if err != nil {
		return dictionaryErr(file, err)
	}
	db, ctx, err := openAs(ctx, c, env, user)
	if err != nil {
		return fmt.Errorf("dictionary import: %w", err)
	}
	defer db.Close()
	n, err := db.ImportDictionary(ctx, words)
	if err != nil {
		return dictionaryErr(file, dataio.DictionaryLines(err, lines))
	}
	fmt.Fprintf(env.Stdout, "imported %d words from %s\n", n, file)
	return nil
}

// dictionaryErr lists every field error of a refused import, one a line.
func dictionaryErr(file string, err error) error {
	fields := aftersales.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	msg := fmt.Sprintf("%s: nothing imported:", file)
	for _, fe := range fields {
		msg += "\n  " + fe.Field + ": " + fe.Reason
	}
	return fmt.Errorf("%s", msg)
}
